// The query engine's adapter: one tenant transaction per answer, in which the
// registry snapshot, the plan and the complete index fields are read, the DSL
// is parsed and type-checked (src/query/core/parse-query.ts), the cursor is
// verified, per-type read permission is checked, the query is compiled
// (src/query/core/compile.ts) and run under the plan's statement timeout.
// Tenant isolation and the row ACL are RLS's: nothing is filtered here.
// Answers are pages (keyset cursors), groups (with totals), a plan
// (EXPLAIN), or a stream read through a server-side cursor.
import { createHmac } from 'node:crypto';
import Cursor from 'pg-cursor';
import { loadCurrentDefinitions, type RegistrySnapshot } from '../entities/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors, type FieldError } from '../platform/http/errors.ts';
import { PLANS, type Plan } from '../tenancy/index.ts';
import { compileQuery } from './core/compile.ts';
import { decodeQueryCursor, encodeQueryCursor, queryFingerprint, type CursorBinding } from './core/cursor.ts';
import { QUERY_LIMITS } from './core/limits.ts';
import { parseQuery } from './core/parse-query.ts';
import type { CompiledQuery, CompiledStatement, QueryLimits, ValidatedQuery } from './core/query.ts';
import { requireReadable } from './query.access.ts';
import { QueryErrors } from './query.errors.ts';
import { answerRow, positionOf, type AnswerRow } from './query.rows.ts';
import { explainStatement, QUERY_CONTEXT, CANCEL_BACKEND, SET_STATEMENT_TIMEOUT } from './query.sql.ts';
import { rowEncoder, type AnswerFormat, type StreamFormat } from './stream-format.ts';
import { RowStream, STREAM_STALL_MS, StreamAborted } from './stream-rows.ts';

/** Where the query comes from, read inside the answer's transaction: a request body, or a saved query with its parameters. */
export type QuerySource = (tx: TenantTx) => Promise<QueryInput>;

export interface QueryInput {
  /** The JSON DSL. */
  readonly input: unknown;
  /** Maps validation errors of `input` to pointers into the request (saved queries); identity when absent. */
  readonly rebase?: (errors: readonly FieldError[]) => FieldError[];
}

/** A request body is the query as it is. */
export function bodySource(body: unknown): QuerySource {
  return async () => ({ input: body });
}

export type QueryAnswer =
  | { readonly data: AnswerRow[]; readonly next_cursor: string | null }
  | { readonly data: AnswerRow[]; readonly totals: AnswerRow | null };

export interface StreamedAnswer {
  readonly kind: 'stream';
  readonly format: StreamFormat;
  readonly stream: RowStream;
  /** The plan's maxStreamRows (the X-Tessera-Stream-Limit header). */
  readonly maxRows: number;
}

export type Answer = { readonly kind: 'json'; readonly body: QueryAnswer } | StreamedAnswer;

export interface ExplainedStatement {
  readonly sql: string;
  readonly values: unknown[];
  readonly plan: unknown;
}

export type Explained = ExplainedStatement & { readonly totals: ExplainedStatement | null };

export interface QueryLogger {
  warn(object: unknown, message: string): void;
  error(object: unknown, message: string): void;
}

export interface QueryServiceOptions {
  /** The server secret cursors are signed with (a key is derived from it, so the API key secret can serve). */
  readonly secret: string;
  readonly logger: QueryLogger;
}

interface ContextRow {
  plan: string;
  time_zone: string;
  indexed: [string, string][];
}

interface Prepared {
  readonly query: ValidatedQuery;
  readonly compiled: CompiledQuery;
  readonly limits: QueryLimits;
  readonly binding: CursorBinding;
  /** The connection's backend pid (for cancelling a stream's batch). */
  readonly pid: number;
}

const NO_FIELDS: ReadonlySet<string> = new Set();

export function invalidQuery(errors: readonly FieldError[]): AppError {
  const detail = `${errors.length} problem${errors.length === 1 ? '' : 's'} in the query: ${errors.map((e) => `${e.pointer || '/'} ${e.message}`).join('; ')}`;
  return new AppError(QueryErrors['invalid-query'], detail, errors);
}

/** A PostgreSQL error of the query statement as the problem it is for the caller; undefined for anything else. */
function queryProblem(error: unknown, limits: QueryLimits | null): AppError | undefined {
  if (!isPgError(error)) return undefined;
  if (error.code === '57014' && limits !== null) {
    return new AppError(
      QueryErrors['query-timeout'],
      `The query ran longer than your plan's statement timeout (${limits.statementTimeoutMs} ms) and was stopped.`,
      [],
      { statement_timeout_ms: limits.statementTimeoutMs },
    );
  }
  if (error.code.startsWith('22')) {
    return new AppError(QueryErrors['query-failed'], `PostgreSQL could not evaluate the query on the stored values (SQLSTATE ${error.code}).`, [], { sqlstate: error.code });
  }
  return undefined;
}

/** The problem document of an error after a stream's first row, reported in-band. */
function problemBody(error: AppError): Record<string, unknown> {
  const { definition } = error;
  return { type: `/problems/${definition.code}`, title: definition.title, status: definition.status, detail: error.detail, ...error.extensions };
}

export class QueryService {
  private readonly secret: Buffer;

  constructor(
    private readonly db: Database,
    private readonly options: QueryServiceOptions,
  ) {
    this.secret = createHmac('sha256', options.secret).update('tessera query cursors').digest();
  }

  /**
   * POST /api/query (and saved query runs): a page or groups as JSON, or
   * every row as a stream. `signal`: the client went away (streams stop).
   */
  run(call: TenantCall, source: QuerySource, format: AnswerFormat, signal?: AbortSignal): Promise<Answer> {
    if (format !== 'json') return this.stream(call, source, format, signal);
    return this.transaction(call, async (tx, note) => {
      const prepared = await this.prepare(tx, call, source, false);
      note(prepared.limits);
      return { kind: 'json', body: await this.answer(tx, prepared) };
    });
  }

  /** POST /api/query/explain: the compiled SQL, its values and PostgreSQL's plan (EXPLAIN, or EXPLAIN ANALYZE). */
  explain(call: TenantCall, source: QuerySource, analyze: boolean): Promise<Explained> {
    return this.transaction(call, async (tx, note) => {
      const { compiled, limits } = await this.prepare(tx, call, source, false);
      note(limits);
      const explainOne = async (statement: CompiledStatement): Promise<ExplainedStatement> => {
        const { rows } = await tx.query<{ 'QUERY PLAN': unknown }>(explainStatement(statement.text, analyze), statement.values);
        return { sql: statement.text, values: [...statement.values], plan: rows[0]?.['QUERY PLAN'] ?? null };
      };
      return { ...(await explainOne(compiled)), totals: compiled.totals ? await explainOne(compiled.totals) : null };
    });
  }

  private async answer(tx: TenantTx, { query, compiled, binding }: Prepared): Promise<QueryAnswer> {
    const { rows } = await tx.query(compiled.text, compiled.values);
    if (query.kind === 'list') {
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const more = rows.length > query.limit && last !== undefined;
      return {
        data: page.map((row) => answerRow(row, compiled.columns)),
        next_cursor: more ? encodeQueryCursor(positionOf(last, compiled), binding) : null,
      };
    }
    let totals: AnswerRow | null = null;
    if (compiled.totals) {
      const result = await tx.query(compiled.totals.text, compiled.totals.values);
      totals = answerRow(result.rows[0] ?? {}, compiled.totals.columns);
    }
    return { data: rows.map((row) => answerRow(row, compiled.columns)), totals };
  }

  /**
   * Opens the stream: resolves once the first batch is read (so that every
   * error up to there is an ordinary problem response), while the
   * transaction stays open until the stream is over (committed) or aborted
   * (rolled back), and only then returns the connection to the pool. A
   * client gone before the first batch (`signal`) cancels the statement.
   * A cancel is always awaited before the transaction ends, so it can never
   * reach a statement of the next request on the same connection.
   */
  private stream(call: TenantCall, source: QuerySource, format: StreamFormat, signal: AbortSignal | undefined): Promise<StreamedAnswer> {
    return new Promise((resolve, reject) => {
      let opened = false;
      let pid: number | null = null;
      // Every cancel sent, chained: all are awaited before the transaction ends.
      // Sent on another pooled connection; with the pool exhausted it waits
      // for one at most the pool's connection timeout, and then gives up.
      let cancelling: Promise<void> = Promise.resolve();
      const cancel = (): Promise<void> => {
        if (pid === null) return cancelling;
        const sent = this.db.global.query(CANCEL_BACKEND, [pid]).then(() => undefined, () => undefined);
        cancelling = Promise.all([cancelling, sent]).then(() => undefined);
        return cancelling;
      };
      const onAbort = (): void => {
        if (!opened) void cancel();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const finished = this.transaction(call, async (tx, note) => {
        try {
          const prepared = await this.prepare(tx, call, source, true);
          const { compiled, limits } = prepared;
          note(limits);
          pid = prepared.pid;
          if (signal?.aborted) throw new StreamAborted();
          const stream = await RowStream.open({
            cursor: tx.submit(new Cursor(compiled.text, [...compiled.values])),
            columns: compiled.columns,
            encoder: rowEncoder(format, compiled.columns.map((column) => column.name)),
            maxRows: limits.maxStreamRows,
            batchTimeoutMs: limits.statementTimeoutMs,
            stallTimeoutMs: STREAM_STALL_MS,
            cancel,
            problemOf: (error) =>
              problemBody(queryProblem(error, limits) ?? new AppError(PlatformErrors.internal, 'The stream failed; the rows sent so far are not the whole answer.')),
          });
          if (signal?.aborted) {
            stream.destroy();
            await stream.done;
          }
          opened = true;
          resolve({ kind: 'stream', format, stream, maxRows: limits.maxStreamRows });
          await stream.done;
        } finally {
          signal?.removeEventListener('abort', onAbort);
          await cancelling;
        }
      });
      finished.catch((error: unknown) => {
        if (!opened) reject(error instanceof StreamAborted ? new AppError(PlatformErrors['bad-request'], 'The client closed the connection before the answer started.') : error);
        else if (!(error instanceof StreamAborted)) this.options.logger.error({ err: error }, 'query stream failed after its first rows');
      });
    });
  }

  /**
   * The problems of a query against the organisation's registry and plan, in
   * the caller's transaction (saved queries are validated when saved); empty
   * when it is valid. Permissions are checked when it runs.
   */
  async check(tx: TenantTx, input: unknown): Promise<readonly FieldError[]> {
    const { registry, limits } = await this.context(tx);
    const parsed = parseQuery(input, registry, limits);
    return parsed.ok ? [] : parsed.errors;
  }

  /** The registry snapshot, the plan's limits, the time zone and the complete index fields of the caller's organisation. */
  private async context(tx: TenantTx): Promise<{ registry: RegistrySnapshot; limits: QueryLimits; timeZone: string; indexed: ContextRow['indexed'] }> {
    const context = (await tx.query<ContextRow>(QUERY_CONTEXT)).rows[0];
    if (!context) throw new AppError(PlatformErrors['not-found'], 'No such organisation.');
    const definitions = await loadCurrentDefinitions(tx);
    const plan: Plan = (PLANS as readonly string[]).includes(context.plan) ? (context.plan as Plan) : 'starter';
    return { registry: { type: (key) => definitions.get(key) }, limits: QUERY_LIMITS[plan], timeZone: context.time_zone, indexed: context.indexed };
  }

  /** Everything before running: source, context, parse, cursor, permissions, compile, statement timeout. */
  private async prepare(tx: TenantTx, call: TenantCall, source: QuerySource, stream: boolean): Promise<Prepared> {
    const { input, rebase = (errors) => [...errors] } = await source(tx);
    const { registry, limits, timeZone, indexed: indexedPairs } = await this.context(tx);
    const parsed = parseQuery(input, registry, limits);
    if (!parsed.ok) throw invalidQuery(rebase(parsed.errors));
    let query = parsed.query;
    const binding: CursorBinding = { secret: this.secret, tenantId: call.scope.tenantId, fingerprint: queryFingerprint(query) };
    if (parsed.cursor !== null && query.kind === 'list') {
      const decoded = decodeQueryCursor(parsed.cursor, binding, query.orderBy.length);
      if (!decoded.ok) throw invalidQuery(rebase([{ pointer: '/cursor', message: decoded.message }]));
      query = { ...query, after: decoded.position };
    }
    await requireReadable(tx, call, query);
    const indexed = new Map<string, Set<string>>();
    for (const [type, field] of indexedPairs) indexed.set(type, (indexed.get(type) ?? new Set()).add(field));
    const compiled = compileQuery(query, registry, {
      now: new Date(),
      timeZone,
      userId: call.scope.userId,
      indexedFields: (type) => indexed.get(type) ?? NO_FIELDS,
      stream,
    });
    // Streams time each batch themselves (stream-rows.ts): a cursor's suspended portal would keep the server's timer running.
    const { rows } = await tx.query<{ pid: number }>(SET_STATEMENT_TIMEOUT, [String(stream ? 0 : limits.statementTimeoutMs)]);
    return { query, compiled, limits, binding, pid: rows[0]?.pid ?? 0 };
  }

  /** A tenant transaction whose query errors (timeout, data exceptions) become problems naming the plan's limit. */
  private async transaction<T>(call: TenantCall, work: (tx: TenantTx, note: (limits: QueryLimits) => void) => Promise<T>): Promise<T> {
    let limits: QueryLimits | null = null;
    try {
      return await this.db.tenant.transaction(call.scope, (tx) =>
        work(tx, (known) => {
          limits = known;
        }),
      );
    } catch (error) {
      const problem = queryProblem(error, limits);
      if (problem === undefined) throw error;
      if (problem.definition.code === 'query-failed') this.options.logger.warn({ err: error }, 'query failed on the data');
      throw problem;
    }
  }
}
