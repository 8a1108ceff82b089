// `select` of a list query: field paths as strings (named by the path as
// written), and related aggregates over a reverse relation
// `{ "fn", "field"?, "p"?, "from", "via", "where"?, "as" }`: the records of
// type `from` whose reference field `via` points at the row, aggregated
// (compiled as a LATERAL subquery). Without `select`: id, every field of the
// type, created_at and updated_at.
import { pointerTo, resolvePath, resolveRelation, type ResolvedCondition } from '../../conditions/index.ts';
import type { FieldDefinition, RegistrySnapshot } from '../../entities/core/definitions.ts';
import { parseAggregateSpec, parseOutputName } from './aggregates.ts';
import { has, isKey, isObject, member, rejectUnknownMembers, type JsonObject } from './dsl-input.ts';
import { OutputNames } from './outputs.ts';
import type { ReverseRelation, SelectItem } from './query.ts';
import type { ParseScope } from './scope.ts';

const RELATED_KEYS = ['fn', 'field', 'p', 'from', 'via', 'where', 'as'] as const;
const ITEM_SHAPES = 'a field path, or a related aggregate {"fn", "field"?, "p"?, "from", "via", "where"?, "as"}';

export function defaultSelect(type: string, registry: RegistrySnapshot): SelectItem[] {
  const keys = ['id', ...(registry.type(type)?.fields ?? []).map((field) => field.key), 'created_at', 'updated_at'];
  const items: SelectItem[] = [];
  for (const key of keys) {
    const resolved = resolvePath(key, type, registry, 0);
    if (resolved.ok) items.push({ kind: 'path', name: key, path: resolved.value });
  }
  return items;
}

export function parseSelect(scope: ParseScope, input: unknown, type: string | null): SelectItem[] | null {
  const problems = scope.problems;
  const pointer = '/select';
  if (!Array.isArray(input) || input.length === 0) return problems.add(pointer, `must be a non-empty array of ${ITEM_SHAPES} (omit it for every field)`);
  const max = scope.limits.maxSelect;
  if (input.length > max) return problems.add(pointer, `must have at most ${max} items on this plan`);
  const before = problems.count;
  const outputs = new OutputNames();
  const items: SelectItem[] = [];
  input.forEach((item: unknown, index) => {
    const itemPointer = pointerTo(pointer, index);
    if (typeof item === 'string') {
      const path = scope.path(item, type, itemPointer);
      if (outputs.add({ name: item, valueType: null, enumValues: null, role: 'selected field' }, itemPointer, problems) && path !== null) {
        items.push({ kind: 'path', name: item, path });
      }
      return null;
    }
    if (!isObject(item)) return problems.add(itemPointer, `must be ${ITEM_SHAPES}`);
    if (!has(item, 'fn')) return problems.add(itemPointer, `must be ${ITEM_SHAPES}: an object selects a related aggregate and needs "fn"`);
    const related = relatedAggregate(scope, item, itemPointer, type);
    const name = member(item, 'as');
    if (isKey(name) && outputs.add({ name, valueType: null, enumValues: null, role: 'related aggregate' }, pointerTo(itemPointer, 'as'), problems) && related !== null) {
      items.push(related);
    }
    return null;
  });
  return problems.count > before ? null : items;
}

function relatedAggregate(scope: ParseScope, item: JsonObject, pointer: string, rootType: string | null): SelectItem | null {
  const problems = scope.problems;
  const before = problems.count;
  rejectUnknownMembers(item, RELATED_KEYS, pointer, problems);
  const source = sourceType(scope, item, pointer);
  const relation = source !== null && rootType !== null ? reverseRelation(scope, item, pointer, source, rootType) : viaShape(scope, item, pointer);
  const aggregate = parseAggregateSpec(scope, item, pointer, source);
  const where: ResolvedCondition | null = has(item, 'where') ? scope.condition(item.where, source, pointerTo(pointer, 'where')) : null;
  const name = parseOutputName(scope, item, pointer, true);
  if (problems.count > before || relation === null || aggregate === null || typeof name !== 'string') return null;
  return { kind: 'related_aggregate', name, relation, aggregate, where };
}

/** The `from` of a related aggregate: an existing type; null after reporting. */
function sourceType(scope: ParseScope, item: JsonObject, pointer: string): string | null {
  if (!has(item, 'from')) return scope.problems.add(pointer, 'must have "from": the type of the related records (those that refer to this one)');
  const from = item.from;
  if (!isKey(from)) return scope.problems.add(pointerTo(pointer, 'from'), 'must be an entity type key');
  return scope.registry.type(from) === undefined ? scope.problems.add(pointerTo(pointer, 'from'), `unknown entity type '${from}'`) : from;
}

function refersTo(field: FieldDefinition, type: string): boolean {
  switch (field.type) {
    case 'reference': case 'references': return field.target === type;
    case 'any_reference': return (field.targets ?? []).includes(type);
    default: return false;
  }
}

/** With the queried or the related type unknown (already reported), only the shape of `via`. */
function viaShape(scope: ParseScope, item: JsonObject, pointer: string): null {
  if (!has(item, 'via')) return scope.problems.add(pointer, 'must have "via": the field of the "from" type that refers to the queried type');
  return isKey(item.via) ? null : scope.problems.add(pointerTo(pointer, 'via'), 'must be a field key');
}

/** `via`: a reference, references or any_reference field of `source` that can point at `rootType`. */
function reverseRelation(scope: ParseScope, item: JsonObject, pointer: string, source: string, rootType: string): ReverseRelation | null {
  const candidates = (scope.registry.type(source)?.fields ?? []).filter((field) => refersTo(field, rootType)).map((field) => field.key);
  const allowed = candidates.length > 0
    ? `the fields of '${source}' referring to '${rootType}' are: ${candidates.join(', ')}`
    : `type '${source}' has no reference, references or any_reference field referring to '${rootType}'`;
  if (!has(item, 'via')) return scope.problems.add(pointer, `must have "via": the field of '${source}' that refers to '${rootType}'; ${allowed}`);
  const via = item.via;
  if (typeof via !== 'string' || !candidates.includes(via)) {
    const what = isKey(via) ? `'${via}' is not a field of '${source}' referring to '${rootType}'` : 'must be a field key';
    return scope.problems.add(pointerTo(pointer, 'via'), `${what}; ${allowed}`);
  }
  const relation = resolveRelation(`${source}.${via}`, rootType, scope.registry);
  if (!relation.ok) return scope.problems.add(pointerTo(pointer, 'via'), relation.message);
  return relation.value.kind === 'reverse' ? relation.value : scope.problems.add(pointerTo(pointer, 'via'), allowed);
}
