// The validated query: what parseQuery() (src/query/core/parse-query.ts)
// makes of the JSON DSL of POST /api/query once every path is resolved
// against the registry, and what compileQuery() (src/query/core/compile.ts)
// turns into one SQL statement. Both sides are pure; this file is their
// contract. The `where` tree is the condition language's ResolvedCondition
// (src/conditions), so the in-memory evaluator and the SQL backend agree on
// one meaning.
import type { OrderingOperator, ListOperator, NullOperator, ResolvedCondition, ResolvedPath, ResolvedRelation, Scalar } from '../../conditions/index.ts';

export const TIME_BUCKETS = ['hour', 'day', 'week', 'month', 'quarter', 'year'] as const;
export type TimeBucket = (typeof TIME_BUCKETS)[number];

export const AGGREGATE_FUNCTIONS = ['count', 'count_distinct', 'sum', 'avg', 'min', 'max', 'percentile'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

export type Direction = 'asc' | 'desc';

/** An aggregate over the rows of a group (or of a related set). `path` is null only for a plain `count`. */
export interface AggregateSpec {
  readonly fn: AggregateFunction;
  readonly path: ResolvedPath | null;
  /** percentile only: 0..1 (continuous percentile). */
  readonly p: number | null;
}

/** A record's reverse relation: the records of `sourceType` whose `field` points at it. */
export type ReverseRelation = Extract<ResolvedRelation, { kind: 'reverse' }>;

/** A column of a list query's rows. `name` is the key in each answered row (the path as written, or `as`). */
export type SelectItem =
  | { readonly kind: 'path'; readonly name: string; readonly path: ResolvedPath }
  /** `{ "fn": "count", "from": "incident", "via": "asset", "where": {...}, "as": "open_incidents" }`: a LATERAL subquery. */
  | { readonly kind: 'related_aggregate'; readonly name: string; readonly relation: ReverseRelation; readonly aggregate: AggregateSpec; readonly where: ResolvedCondition | null };

export type GroupKey =
  | { readonly kind: 'path'; readonly name: string; readonly path: ResolvedPath }
  /** A date or datetime path truncated to a bucket in an IANA time zone; answered as the bucket's start. */
  | { readonly kind: 'bucket'; readonly name: string; readonly path: ResolvedPath; readonly bucket: TimeBucket; readonly timeZone: string };

export interface NamedAggregate {
  readonly name: string;
  readonly aggregate: AggregateSpec;
}

/** `having`: a condition over the output columns (group keys and aggregates) by name. Literals only. */
export type OutputCondition =
  | { readonly kind: 'and'; readonly items: readonly OutputCondition[] }
  | { readonly kind: 'or'; readonly items: readonly OutputCondition[] }
  | { readonly kind: 'not'; readonly item: OutputCondition }
  | { readonly kind: 'null_check'; readonly op: NullOperator; readonly name: string }
  | { readonly kind: 'compare'; readonly op: OrderingOperator; readonly name: string; readonly value: Scalar }
  | { readonly kind: 'between'; readonly name: string; readonly low: Scalar; readonly high: Scalar }
  | { readonly kind: 'list'; readonly op: ListOperator; readonly name: string; readonly items: readonly (Scalar | null)[] };

/** List queries order by paths (selected or not); `id` ascending is always appended as the tie-breaker. */
export interface PathOrder {
  readonly path: ResolvedPath;
  readonly direction: Direction;
}

/** Aggregate queries order by output names (group keys and aggregates). */
export interface OutputOrder {
  readonly name: string;
  readonly direction: Direction;
}

/**
 * Where a keyset page starts: the text form of each order key of the last
 * row of the previous page (as the compiled statement selected them, in the
 * hidden columns k0..kn), then that row's id. Decoded and tamper-checked by
 * the service; the compiler only binds these as parameters.
 */
export interface CursorPosition {
  readonly keys: readonly (string | null)[];
  readonly id: string;
}

export interface ListQuery {
  readonly kind: 'list';
  readonly from: string;
  readonly select: readonly SelectItem[];
  readonly where: ResolvedCondition | null;
  readonly orderBy: readonly PathOrder[];
  /** Page size (already within the plan's limit). Ignored when streaming. */
  readonly limit: number;
  /** Only when the caller asked for `offset`; never together with a cursor. */
  readonly offset: number | null;
  readonly after: CursorPosition | null;
}

export interface AggregateQuery {
  readonly kind: 'aggregate';
  readonly from: string;
  readonly where: ResolvedCondition | null;
  readonly groupBy: readonly GroupKey[];
  readonly aggregates: readonly NamedAggregate[];
  readonly having: OutputCondition | null;
  readonly orderBy: readonly OutputOrder[];
  /** Groups answered (within the plan's limit). */
  readonly limit: number;
  readonly offset: number | null;
  /** Also answer the aggregates over all matching rows (no grouping), as `totals`. */
  readonly totals: boolean;
}

export type ValidatedQuery = ListQuery | AggregateQuery;

/** Per-plan limits (src/query/core/limits.ts holds the table; docs/query.md documents it). */
export interface QueryLimits {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  readonly maxGroups: number;
  readonly maxHops: number;
  /** Comparisons and quantifiers in `where` (and in related aggregates' `where`) together. */
  readonly maxConditions: number;
  readonly maxSelect: number;
  readonly statementTimeoutMs: number;
  /** Rows one streamed answer may carry. */
  readonly maxStreamRows: number;
}

/** What a statement's values depend on besides the query: bound as parameters, never spliced into text. */
export interface CompileContext {
  readonly now: Date;
  /** IANA zone for `start_of` and day/week `relative` operands (as EvaluationContext.timeZone). */
  readonly timeZone: string;
  /** The caller, for `current_user`; null for API keys. */
  readonly userId: string | null;
  /** Fields of a type whose typed index entries (record_index) are complete: filters on them (eq, in, ranges; not under `not`) use record_index. */
  readonly indexedFields: (type: string) => ReadonlySet<string>;
  /** Streaming: no LIMIT (the service reads through a cursor and stops at the plan's maxStreamRows). */
  readonly stream: boolean;
}

/** How the service turns a result column into its JSON value. */
export type ColumnDecoder = 'json' | 'text' | 'number' | 'integer' | 'boolean';

export interface OutputColumn {
  /** The key in the answered row. */
  readonly name: string;
  /** Result column name in the statement (c0, c1, ...). */
  readonly column: string;
  readonly decode: ColumnDecoder;
}

/** One SQL statement and how to read its rows. */
export interface CompiledStatement {
  readonly text: string;
  readonly values: readonly unknown[];
  /** In answer order. */
  readonly columns: readonly OutputColumn[];
  /** List queries: hidden text columns k0..k{n-1} holding the order keys then the id, for the next cursor; empty for aggregate queries. */
  readonly cursorColumns: readonly string[];
  /** Rows the statement asks for: limit + 1 for list pages (the extra row says there is a next page), limit for groups, null when streaming. */
  readonly fetch: number | null;
}

export interface CompiledQuery extends CompiledStatement {
  /** Aggregate queries with `totals`: a second statement, the same aggregates over all matching rows without grouping. */
  readonly totals: CompiledStatement | null;
}

// The two pure functions this contract is for (same signatures, their own files):
//   parseQuery(input: unknown, registry: RegistrySnapshot, limits: QueryLimits)
//     : { ok: true; query: ValidatedQuery; cursor: string | null } | { ok: false; errors: readonly FieldError[] }
//       (src/query/core/parse-query.ts; `after` is always null there: the service decodes `cursor` into it)
//   compileQuery(query: ValidatedQuery, registry: RegistrySnapshot, context: CompileContext): CompiledQuery
//       (src/query/core/compile.ts)
