// Per-type read permission for queries. Which records of a type the caller
// sees is PostgreSQL's to decide (tenant isolation and the row ACL are RLS
// policies, so nothing is filtered here); whether the caller's role or API key
// scope may read a type at all is decided per type, as for record listings:
// a query reaching a type it may not read (as its root, through a reference,
// a quantifier or a related aggregate) is refused whole with 403
// type-permission-denied, never answered with that part silently empty.
import type { ResolvedCondition, ResolvedPath } from '../conditions/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { requireAction, typeAccess } from '../records/index.ts';
import type { AggregateSpec, ValidatedQuery } from './core/query.ts';

function addPath(types: Set<string>, path: ResolvedPath | null): void {
  if (path === null) return;
  for (const hop of path.hops) {
    for (const type of hop.fromTypes) types.add(type);
    for (const type of hop.targets) types.add(type);
  }
  for (const type of path.ownerTypes) types.add(type);
}

function addAggregate(types: Set<string>, aggregate: AggregateSpec): void {
  addPath(types, aggregate.path);
}

function addCondition(types: Set<string>, condition: ResolvedCondition | null): void {
  if (condition === null) return;
  switch (condition.kind) {
    case 'and':
    case 'or':
      for (const item of condition.items) addCondition(types, item);
      return;
    case 'not':
      addCondition(types, condition.item);
      return;
    case 'compare':
    case 'between':
      addPath(types, condition.path);
      for (const operand of condition.kind === 'compare' ? [condition.operand] : [condition.low, condition.high]) {
        if (operand.kind === 'field') addPath(types, operand.path);
      }
      return;
    case 'null_check':
    case 'list':
    case 'text_match':
    case 'array_match':
      addPath(types, condition.path);
      return;
    case 'quantifier':
      types.add(condition.relation.kind === 'forward' ? condition.relation.targetType : condition.relation.sourceType);
      addCondition(types, condition.where);
      return;
  }
}

/** Every entity type whose records the query reads: its root, hop targets, quantified relations and related aggregates' sources. */
export function touchedTypes(query: ValidatedQuery): string[] {
  const types = new Set<string>([query.from]);
  addCondition(types, query.where);
  if (query.kind === 'list') {
    for (const item of query.select) {
      if (item.kind === 'path') {
        addPath(types, item.path);
      } else {
        types.add(item.relation.sourceType);
        addAggregate(types, item.aggregate);
        addCondition(types, item.where);
      }
    }
    for (const order of query.orderBy) addPath(types, order.path);
  } else {
    for (const key of query.groupBy) addPath(types, key.path);
    for (const named of query.aggregates) addAggregate(types, named.aggregate);
  }
  return [...types].sort();
}

/** Refuses (403) a query touching a type the caller's role or API key scope may not read. */
export async function requireReadable(tx: TenantTx, call: TenantCall, query: ValidatedQuery): Promise<void> {
  for (const type of touchedTypes(query)) requireAction(call, await typeAccess(tx, call, type), type, 'read');
}
