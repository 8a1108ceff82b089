// A registry and query builders for the compiler's tests (golden SQL here,
// the PostgreSQL comparison in test/query/): incident -> asset -> location ->
// site (reference hops), a json field, multi_enum, references, any_reference,
// and types that point back at incident (task.incident, note.about). Not used
// by production code. Queries are built directly as ValidatedQuery values,
// their paths and conditions resolved by the condition language itself.
import { compileCondition, resolvePath, resolveRelation, type ResolvedCondition, type ResolvedPath } from '../../conditions/index.ts';
import type { EntityTypeDefinition, RegistrySnapshot } from '../../entities/core/definitions.ts';
import type { AggregateQuery, AggregateSpec, CompileContext, ListQuery, ReverseRelation, SelectItem, TimeBucket } from './query.ts';

/** In dependency order, so they can be created one by one through the API. */
export const TYPES: readonly EntityTypeDefinition[] = [
  { key: 'site', label: 'Site', fields: [{ key: 'name', type: 'text' }, { key: 'region', type: 'text' }] },
  {
    key: 'location', label: 'Location', fields: [
      { key: 'name', type: 'text' }, { key: 'floor', type: 'integer' }, { key: 'site', type: 'reference', target: 'site' },
    ],
  },
  {
    key: 'asset', label: 'Asset', fields: [
      { key: 'name', type: 'text' },
      { key: 'building', type: 'text', indexed: true },
      { key: 'status', type: 'enum', values: ['active', 'retired'] },
      { key: 'location', type: 'reference', target: 'location' },
    ],
  },
  { key: 'contract', label: 'Contract', fields: [{ key: 'name', type: 'text' }, { key: 'value', type: 'decimal' }] },
  { key: 'contact', label: 'Contact', fields: [{ key: 'name', type: 'text' }] },
  {
    key: 'incident', label: 'Incident', fields: [
      { key: 'code', type: 'text', unique: true },
      { key: 'title', type: 'text' },
      { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3', 'p4'], indexed: true },
      { key: 'asset', type: 'reference', target: 'asset' },
      { key: 'minutes_to_respond', type: 'integer', indexed: true },
      { key: 'cost', type: 'decimal' },
      { key: 'urgent', type: 'boolean' },
      { key: 'due_on', type: 'date', indexed: true },
      { key: 'opened_at', type: 'datetime', indexed: true },
      { key: 'closed_at', type: 'datetime' },
      { key: 'tags', type: 'multi_enum', values: ['network', 'power', 'water'], indexed: true },
      { key: 'watchers', type: 'references', target: 'contact' },
      { key: 'assignee', type: 'user' },
      { key: 'details', type: 'json' },
      { key: 'subject', type: 'any_reference', targets: ['asset', 'contract'] },
    ],
  },
  {
    key: 'task', label: 'Task', fields: [
      { key: 'title', type: 'text' }, { key: 'incident', type: 'reference', target: 'incident' },
      { key: 'estimate', type: 'integer' }, { key: 'done', type: 'boolean' },
    ],
  },
  { key: 'note', label: 'Note', fields: [{ key: 'body', type: 'text' }, { key: 'about', type: 'any_reference', targets: ['incident', 'asset'] }] },
];

export function registryOf(types: readonly EntityTypeDefinition[]): RegistrySnapshot {
  const byKey = new Map(types.map((type) => [type.key, type]));
  return { type: (key) => byKey.get(key) };
}

export const registry = registryOf(TYPES);

/** The fields whose index entries are complete, per type (the service reads record_index_fields). */
export function indexedFieldsOf(types: readonly EntityTypeDefinition[]): (type: string) => ReadonlySet<string> {
  const byType = new Map(types.map((type) => [type.key, new Set(type.fields.filter((field) => field.indexed || field.unique).map((field) => field.key))]));
  return (type) => byType.get(type) ?? new Set();
}

export const USER_ID = '0190a000-0000-7000-8000-0000000000aa';

export const context: CompileContext = {
  now: new Date('2026-03-10T15:00:00Z'),
  timeZone: 'America/Sao_Paulo',
  userId: USER_ID,
  indexedFields: indexedFieldsOf(TYPES),
  stream: false,
};

export function path(text: string, root = 'incident', types: RegistrySnapshot = registry): ResolvedPath {
  const resolved = resolvePath(text, root, types, 3);
  if (!resolved.ok) throw new Error(resolved.message);
  return resolved.value;
}

export function condition(input: unknown, root = 'incident', types: RegistrySnapshot = registry): ResolvedCondition {
  const compiled = compileCondition(input, root, types);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return compiled.condition;
}

export function reverse(relation: string, root: string, types: RegistrySnapshot = registry): ReverseRelation {
  const resolved = resolveRelation(relation, root, types);
  if (!resolved.ok || resolved.value.kind !== 'reverse') throw new Error(resolved.ok ? `${relation} is not a reverse relation` : resolved.message);
  return resolved.value;
}

export function selectPaths(paths: readonly string[], root = 'incident', types: RegistrySnapshot = registry): SelectItem[] {
  return paths.map((text) => ({ kind: 'path', name: text, path: path(text, root, types) }));
}

export interface ListInput {
  readonly from?: string;
  readonly select?: readonly string[] | readonly SelectItem[];
  readonly where?: unknown;
  readonly orderBy?: readonly { field: string; direction?: 'asc' | 'desc' }[];
  readonly limit?: number;
  readonly offset?: number | null;
  readonly after?: ListQuery['after'];
}

/** A list query from DSL-like input (paths as strings, `where` in the condition language). */
export function listQuery(input: ListInput, types: RegistrySnapshot = registry): ListQuery {
  const from = input.from ?? 'incident';
  const select = input.select ?? ['id'];
  return {
    kind: 'list',
    from,
    select: select.map((item) => (typeof item === 'string' ? { kind: 'path', name: item, path: path(item, from, types) } : item)),
    where: input.where === undefined ? null : condition(input.where, from, types),
    orderBy: (input.orderBy ?? []).map((order) => ({ path: path(order.field, from, types), direction: order.direction ?? 'asc' })),
    limit: input.limit ?? 50,
    offset: input.offset ?? null,
    after: input.after ?? null,
  };
}

export interface AggregateInput {
  readonly from?: string;
  readonly where?: unknown;
  readonly groupBy?: readonly (string | { field: string; bucket: TimeBucket; timeZone?: string; as?: string })[];
  readonly aggregates?: readonly { fn: AggregateSpec['fn']; field?: string; p?: number; as: string }[];
  readonly having?: AggregateQuery['having'];
  readonly orderBy?: AggregateQuery['orderBy'];
  readonly limit?: number;
  readonly offset?: number | null;
  readonly totals?: boolean;
}

export function spec(fn: AggregateSpec['fn'], field: string | undefined, root: string, p?: number, types: RegistrySnapshot = registry): AggregateSpec {
  return { fn, path: field === undefined ? null : path(field, root, types), p: p ?? null };
}

export function aggregateQuery(input: AggregateInput, types: RegistrySnapshot = registry): AggregateQuery {
  const from = input.from ?? 'incident';
  return {
    kind: 'aggregate',
    from,
    where: input.where === undefined ? null : condition(input.where, from, types),
    groupBy: (input.groupBy ?? []).map((key) => typeof key === 'string'
      ? { kind: 'path', name: key, path: path(key, from, types) }
      : { kind: 'bucket', name: key.as ?? key.field, path: path(key.field, from, types), bucket: key.bucket, timeZone: key.timeZone ?? 'UTC' }),
    aggregates: (input.aggregates ?? []).map((aggregate) => ({ name: aggregate.as, aggregate: spec(aggregate.fn, aggregate.field, from, aggregate.p, types) })),
    having: input.having ?? null,
    orderBy: input.orderBy ?? [],
    limit: input.limit ?? 100,
    offset: input.offset ?? null,
    totals: input.totals ?? false,
  };
}
