// The in-process workflow timer worker: polls the timers due across
// organisations (workflow_timers_due, migration 0011), acts on each inside its
// organisation (timer-runner.ts), and sleeps `pollMs` when the queue is
// drained. Timers are rows, so nothing is lost when a process stops: the next
// worker (this process restarted, or any other) finds them due. Any number of
// processes may run one: each timer is taken with FOR UPDATE SKIP LOCKED and
// marked in the transaction that acts, so it fires at most once.
//
// `clock` is where "now" comes from (tests pass a fake one and call runOnce()).
import type { Database } from '../../platform/db/database.ts';
import { PollingLoop } from '../../platform/polling-loop.ts';
import { TimerRunner, type TimedTransitions, type TimerLogger, type TimerOutcome } from './timer-runner.ts';
import { DUE } from './timers.sql.ts';

export interface TimerWorkerOptions {
  /** Sleep between polls when the queue is drained. */
  readonly pollMs: number;
  /** Due timers taken per poll (workflow_timers_due answers at most 500). */
  readonly batch: number;
  /** Now; the real clock by default. */
  readonly clock?: () => Date;
  /** Attempts before a failing timer is given up; 5 by default. */
  readonly maxAttempts?: number;
  /** Called with each timer this worker looked at and what became of it (tests, metrics). */
  readonly onTimer?: (timer: { tenantId: string; timerId: string; outcome: TimerOutcome }) => void;
}

export class TimerWorker {
  private readonly runner: TimerRunner;
  private readonly clock: () => Date;
  private readonly loop: PollingLoop;

  constructor(
    private readonly db: Database,
    transitions: TimedTransitions,
    private readonly options: TimerWorkerOptions,
    private readonly log: TimerLogger,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.runner = new TimerRunner(db, transitions, { maxAttempts: options.maxAttempts ?? 5 }, log);
    this.loop = new PollingLoop(
      options.pollMs,
      async () => {
        const { due, settled } = await this.poll();
        // A full batch that moved the queue on: more may be due; poll again at once.
        return due >= this.options.batch && settled > 0;
      },
      (error) => this.log.warn({ err: error }, 'workflow timer worker: could not read the queue'),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Look at the queue now (e.g. a timer due at once was just armed in this process). */
  wake(): void {
    this.loop.wake();
  }

  /** Finishes the timer in hand and stops; the rest of the batch stays due for the next worker. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * One poll: the timers due now (at most `batch`), each acted on in turn.
   * Answers how many this call fired (timers skipped, lost to another worker
   * or failed are not counted; onTimer sees every outcome).
   */
  async runOnce(): Promise<number> {
    return (await this.poll()).fired;
  }

  private async poll(): Promise<{ due: number; fired: number; settled: number }> {
    const now = this.clock();
    const { rows } = await this.db.global.query<{ tenant_id: string; timer_id: string }>(DUE, [now.toISOString(), this.options.batch]);
    let fired = 0;
    let settled = 0;
    for (const row of rows) {
      if (this.loop.stopping) break;
      const outcome = await this.runner.run(row.tenant_id, row.timer_id, now);
      if (outcome === 'fired') fired += 1;
      if (outcome === 'fired' || outcome === 'skipped') settled += 1;
      this.options.onTimer?.({ tenantId: row.tenant_id, timerId: row.timer_id, outcome });
    }
    return { due: rows.length, fired, settled };
  }
}
