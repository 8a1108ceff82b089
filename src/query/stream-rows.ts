// A streamed answer: rows read from a server-side cursor (pg-cursor) in
// batches, only when the HTTP response wants more (Readable backpressure), so
// memory holds at most one batch and the socket's buffer whatever the result
// size. The cursor lives in the caller's open tenant transaction; `done`
// settles when the stream is over: resolved after the last row and the
// cursor's close (the transaction commits), rejected when the stream was
// aborted — client gone, or an error — after cancelling a batch in flight and
// closing the cursor (the transaction rolls back and the connection returns
// to the pool).
//
// Time limits are kept here, not by PostgreSQL's statement_timeout: a
// cursor's portal stays suspended between batches without a Sync, so the
// server's timeout would run from the first batch to the last, client time
// included, and end every long stream. Instead each batch must arrive within
// `batchTimeoutMs` (the plan's statement timeout; past it the batch is
// cancelled and the stream fails with a timeout), and a consumer that wants
// nothing for `stallTimeoutMs` is taken for gone (the stream is aborted).
import { Readable } from 'node:stream';
import type Cursor from 'pg-cursor';
import type { OutputColumn } from './core/query.ts';
import { answerRow } from './query.rows.ts';
import type { RowEncoder } from './stream-format.ts';

/** Rows fetched per round trip. */
export const STREAM_BATCH = 500;

/** A consumer that wants nothing for this long is taken for gone (as PostgreSQL's idle-in-transaction timeout of the pool). */
export const STREAM_STALL_MS = 60_000;

export interface RowSource {
  readonly cursor: Cursor;
  readonly columns: readonly OutputColumn[];
  readonly encoder: RowEncoder;
  /** The plan's maxStreamRows: one more is fetched to tell whether the stream was cut short. */
  readonly maxRows: number;
  /** Longest wait for one batch; past it the batch is cancelled (the plan's statement timeout). */
  readonly batchTimeoutMs: number;
  /** Longest wait for the consumer to want more rows before the stream is aborted. */
  readonly stallTimeoutMs: number;
  /** Cancels the batch PostgreSQL is computing (the client left, or the batch is late). */
  cancel(): Promise<void>;
  /** The problem document reported in-band for an error after the first row. */
  problemOf(error: unknown): Readonly<Record<string, unknown>>;
}

/** Why `done` rejected when the client went away: the transaction rolls back, nothing to report. */
export class StreamAborted extends Error {
  constructor() {
    super('the client closed the stream');
    this.name = 'StreamAborted';
  }
}

export class RowStream extends Readable {
  readonly done: Promise<void>;
  /** Rows sent (after the stream: the X-Tessera-Row-Count trailer). */
  sent = 0;
  /** The plan's limit cut the stream short (the X-Tessera-Truncated trailer). */
  truncated = false;
  private received = 0;
  private exhausted = false;
  private started = false;
  private finished = false;
  private pumping = false;
  /** Readable asked for more (_read) since the last push. */
  private wanted = false;
  private reading: Promise<unknown> | null = null;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };

  /**
   * Reads the first batch before anything is sent, so that an error before
   * any row (a timeout, a data error) is an ordinary problem response.
   */
  static async open(source: RowSource): Promise<RowStream> {
    const stream = new RowStream(source);
    const asked = Math.min(STREAM_BATCH, source.maxRows + 1);
    stream.accept(await stream.fetchBatch(asked), asked);
    return stream;
  }

  private pending: Record<string, unknown>[] = [];
  private stall: NodeJS.Timeout | null = null;

  private constructor(private readonly source: RowSource) {
    super();
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Settled by the stream's owner (the transaction); never an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Neither reading from the cursor nor pushing: waiting for the consumer to want more, or over. */
  get waiting(): boolean {
    return !this.pumping;
  }

  override _read(): void {
    this.clearStall();
    this.wanted = true;
    if (!this.pumping && !this.finished) this.startPump();
  }

  /** One pump at a time; a _read() that came while it ran (and found it busy) starts the next one. */
  private startPump(): void {
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      if (this.wanted && !this.finished && !this.destroyed) this.startPump();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearStall();
    if (this.finished) {
      callback(error);
      return;
    }
    this.finished = true;
    void this.abort().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** Counts a batch; past the plan's limit the extra row only says the stream is truncated. */
  private accept(rows: Record<string, unknown>[], asked: number): void {
    this.received += rows.length;
    if (rows.length < asked) this.exhausted = true;
    const over = this.received - this.source.maxRows;
    if (over > 0) {
      this.truncated = true;
      this.exhausted = true;
      rows.splice(rows.length - over, over);
    }
    this.pending = rows;
  }

  private async pump(): Promise<void> {
    try {
      if (!this.started) {
        this.started = true;
        const head = this.source.encoder.head();
        if (head !== '') {
          this.wanted = false;
          this.push(head);
        }
      }
      for (;;) {
        if (this.pending.length > 0) {
          const rows = this.pending;
          this.pending = [];
          this.sent += rows.length;
          const chunk = rows.map((row) => this.source.encoder.row(answerRow(row, this.source.columns))).join('');
          this.wanted = false;
          if (!this.push(chunk)) {
            this.armStall();
            return;
          }
          continue;
        }
        if (this.exhausted) {
          await this.finish();
          return;
        }
        const asked = Math.min(STREAM_BATCH, this.source.maxRows + 1 - this.received);
        const rows = await this.fetchBatch(asked);
        if (this.finished) return;
        this.accept(rows, asked);
      }
    } catch (error) {
      if (!this.finished) await this.fail(error);
    }
  }

  /** The next batch, cancelled when it takes longer than the plan allows (the read then fails with 57014). */
  private async fetchBatch(asked: number): Promise<Record<string, unknown>[]> {
    const reading = this.source.cursor.read(asked);
    this.reading = reading;
    const late = setTimeout(() => void this.source.cancel(), this.source.batchTimeoutMs);
    try {
      return await reading;
    } finally {
      clearTimeout(late);
      this.reading = null;
    }
  }

  private armStall(): void {
    this.clearStall();
    this.stall = setTimeout(() => this.destroy(), this.source.stallTimeoutMs);
    this.stall.unref();
  }

  private clearStall(): void {
    if (this.stall !== null) clearTimeout(this.stall);
    this.stall = null;
  }

  private async finish(): Promise<void> {
    await this.source.cursor.close();
    if (this.finished) return;
    this.finished = true;
    const tail = this.source.encoder.end({ rows: this.sent, truncated: this.truncated, max_stream_rows: this.source.maxRows });
    if (tail !== '') this.push(tail);
    this.push(null);
    this.settle.resolve();
  }

  /** An error after the first row: reported in-band where the format can, else the response is aborted. */
  private async fail(error: unknown): Promise<void> {
    this.finished = true;
    await this.source.cursor.close().catch(() => undefined);
    this.settle.reject(error);
    const line = this.source.encoder.error(this.source.problemOf(error));
    if (line === null) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.push(line);
    this.push(null);
  }

  private async abort(): Promise<void> {
    try {
      // The batch in flight (the pump clears `reading` when it lands, maybe while we cancel).
      const reading = this.reading;
      if (reading !== null) {
        await this.source.cancel().catch(() => undefined);
        await reading.catch(() => undefined);
      }
      await this.source.cursor.close().catch(() => undefined);
    } finally {
      this.settle.reject(new StreamAborted());
    }
  }
}
