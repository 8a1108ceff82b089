// What every part of parseQuery() shares: the registry, the plan's limits,
// the collected errors, and the parsed conditions (counted at the end against
// the plan's condition limit). Paths and conditions are resolved here so
// every part applies the same hop limit and reports the same way.
import {
  MAX_HOPS, parse, resolvePath, typeCheck,
  type Condition, type ResolvedCondition, type ResolvedPath,
} from '../../conditions/index.ts';
import type { RegistrySnapshot } from '../../entities/core/definitions.ts';
import { isPathText, Problems } from './dsl-input.ts';
import type { QueryLimits } from './query.ts';

export class ParseScope {
  readonly problems = new Problems();
  /** Parsed conditions in the order they are counted: where, related aggregates' where, having. */
  readonly conditions: Condition[] = [];
  readonly maxHops: number;

  constructor(
    readonly registry: RegistrySnapshot,
    readonly limits: QueryLimits,
  ) {
    this.maxHops = Math.max(0, Math.min(limits.maxHops, MAX_HOPS));
  }

  /**
   * A field path of `type`, or null after reporting at `pointer`. With `type`
   * null (the type itself is unknown, already reported) only the shape is checked.
   */
  path(input: unknown, type: string | null, pointer: string): ResolvedPath | null {
    if (!isPathText(input)) return this.problems.add(pointer, 'must be a field path such as "title", "asset.building" or "details.location.floor"');
    if (type === null) return null;
    const resolved = resolvePath(input, type, this.registry, this.maxHops);
    return resolved.ok ? resolved.value : this.problems.add(pointer, resolved.message);
  }

  /**
   * A condition of the condition language rooted at `type` (parse, then
   * type-check: what compileCondition does, kept in two steps so the parsed
   * tree can be counted even when type-checking fails).
   */
  condition(input: unknown, type: string | null, pointer: string): ResolvedCondition | null {
    const parsed = this.parsed(input, pointer);
    if (parsed === null || type === null) return null;
    const checked = typeCheck(parsed, type, this.registry, { maxHops: this.maxHops });
    return checked.ok ? checked.condition : this.problems.addAll(checked.errors);
  }

  /** The shape of a condition only (having: names are resolved by the caller). */
  parsed(input: unknown, pointer: string): Condition | null {
    const parsed = parse(input, pointer);
    if (!parsed.ok) return this.problems.addAll(parsed.errors);
    this.conditions.push(parsed.condition);
    return parsed.condition;
  }

  /** Reports the first comparison or quantifier past the plan's limit, at its own pointer. */
  checkConditionCount(): void {
    const max = this.limits.maxConditions;
    let count = 0;
    const visit = (node: Condition): boolean => {
      switch (node.kind) {
        case 'and': case 'or': return node.items.every(visit);
        case 'not': return visit(node.item);
        case 'comparison': case 'quantifier': {
          count++;
          if (count > max) {
            this.problems.add(node.pointer, `too many conditions: a query may have at most ${max} comparisons and quantifiers on this plan (in where, related aggregates' where and having together)`);
            return false;
          }
          return node.kind === 'comparison' || node.where === null || visit(node.where);
        }
      }
    };
    for (const condition of this.conditions) if (!visit(condition)) return;
  }
}
