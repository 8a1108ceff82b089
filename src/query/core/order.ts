// `order_by`: `[{ "field", "direction"? }]`, direction asc (default) or desc.
// A list query sorts by record paths (selected or not; the compiler appends
// `id` as the final tie-breaker); an aggregate query by output names, with
// the group keys not named appended ascending, so the order of groups is
// total and pages of groups (offset) are stable.
import { pointerTo, type ResolvedPath } from '../../conditions/index.ts';
import { has, isObject, member, rejectUnknownMembers, type JsonObject } from './dsl-input.ts';
import { MAX_ORDER_KEYS } from './limits.ts';
import type { OutputNames } from './outputs.ts';
import { describePath, isScalarPath, SCALAR_RULE } from './path-kinds.ts';
import type { Direction, GroupKey, OutputOrder, PathOrder } from './query.ts';
import type { ParseScope } from './scope.ts';

const ORDER_KEYS = ['field', 'direction'] as const;

interface OrderItem {
  readonly field: unknown;
  readonly direction: Direction;
  readonly pointer: string;
  readonly fieldPointer: string;
}

/** The well-shaped items (errors reported for the others); null when `order_by` itself is not a usable array. */
function orderItems(scope: ParseScope, input: unknown, what: string): OrderItem[] | null {
  const problems = scope.problems;
  const pointer = '/order_by';
  const shape = `an array of {"field": <${what}>, "direction": "asc"|"desc"}`;
  if (!Array.isArray(input)) return problems.add(pointer, `must be ${shape}`);
  if (input.length > MAX_ORDER_KEYS) return problems.add(pointer, `must have at most ${MAX_ORDER_KEYS} items`);
  const items: OrderItem[] = [];
  input.forEach((item: unknown, index) => {
    const itemPointer = pointerTo(pointer, index);
    if (!isObject(item)) return problems.add(itemPointer, `must be {"field": <${what}>, "direction": "asc"|"desc"}`);
    rejectUnknownMembers(item, ORDER_KEYS, itemPointer, problems);
    const direction = directionOf(scope, item, itemPointer);
    if (!has(item, 'field')) return problems.add(itemPointer, `must have "field": ${what}`);
    if (direction !== null) items.push({ field: item.field, direction, pointer: itemPointer, fieldPointer: pointerTo(itemPointer, 'field') });
    return null;
  });
  return items;
}

function directionOf(scope: ParseScope, item: JsonObject, pointer: string): Direction | null {
  if (!has(item, 'direction')) return 'asc';
  const direction = member(item, 'direction');
  return direction === 'asc' || direction === 'desc' ? direction : scope.problems.add(pointerTo(pointer, 'direction'), 'must be "asc" or "desc"');
}

export function parseListOrder(scope: ParseScope, input: unknown, type: string | null): PathOrder[] | null {
  const before = scope.problems.count;
  const items = orderItems(scope, input, 'a field path');
  if (items === null) return null;
  const orders: PathOrder[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const path: ResolvedPath | null = scope.path(item.field, type, item.fieldPointer);
    if (path === null) continue;
    if (!isScalarPath(path)) scope.problems.add(item.fieldPointer, `cannot sort by ${describePath(path)}; sort by ${SCALAR_RULE}`);
    else if (seen.has(path.path)) scope.problems.add(item.fieldPointer, `'${path.path}' is already a sort key`);
    else {
      seen.add(path.path);
      orders.push({ path, direction: item.direction });
    }
  }
  return scope.problems.count > before ? null : orders;
}

export function parseOutputOrder(scope: ParseScope, input: unknown, outputs: OutputNames): OutputOrder[] | null {
  const problems = scope.problems;
  const before = problems.count;
  const items = orderItems(scope, input, 'an output name (a group key or an aggregate)');
  if (items === null) return null;
  const orders: OutputOrder[] = [];
  for (const item of items) {
    const name = item.field;
    if (typeof name !== 'string') problems.add(item.fieldPointer, 'must be the name of an output: a group key (its "as", or its path as written) or an aggregate (its "as")');
    else if (outputs.get(name) === undefined) problems.add(item.fieldPointer, `unknown output '${name}'; an aggregate query sorts by its outputs (group keys and aggregates) by name; ${outputs.hint(name)}`);
    else if (orders.some((order) => order.name === name)) problems.add(item.fieldPointer, `'${name}' is already a sort key`);
    else orders.push({ name, direction: item.direction });
  }
  return problems.count > before ? null : orders;
}

/** The user's order, then every group key not in it, ascending (with no order_by: the group keys ascending). */
export function withGroupKeys(orders: readonly OutputOrder[], groupBy: readonly GroupKey[]): OutputOrder[] {
  const named = new Set(orders.map((order) => order.name));
  return [...orders, ...groupBy.filter((key) => !named.has(key.name)).map((key) => ({ name: key.name, direction: 'asc' as const }))];
}
