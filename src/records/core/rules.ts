// Type-level rules (condition trees in the shared condition language,
// src/conditions) checked against a record before it is stored.
//
// A rule is violated only when it evaluates to false: like a SQL CHECK
// constraint, a rule that is unknown (null) for this record passes. Relative
// times and `start_of` are computed in UTC.
//
// Pure: the caller compiles the rules (compileRules), asks what they read
// beyond the record (relationNeeds: references followed, related records
// quantified over), loads that (src/records/related-records.ts) and
// evaluates over a RecordView of what it loaded (ruleErrors). ruleViolations
// is the record-alone variant for callers without a database (the type change
// preview), which judges only the rules that stay on the record.
import {
  compileCondition,
  evaluate,
  inMemoryRecords,
  type RecordView,
  type ResolvedCondition,
  type ResolvedOperand,
  type ResolvedPath,
  type StoredRecord,
} from '../../conditions/index.ts';
import type { EntityTypeDefinition, RegistrySnapshot } from '../../entities/core/definitions.ts';
import type { FieldError } from '../../platform/http/errors.ts';

export interface RuleContext {
  readonly now: Date;
  readonly userId: string | null;
}

export interface CompiledRule {
  readonly key: string;
  readonly message: string;
  readonly condition: ResolvedCondition;
  /** Reads other records (a path through a reference, or a quantifier). */
  readonly relational: boolean;
}

export interface CompiledRules {
  /** In the definition's order. */
  readonly rules: readonly CompiledRule[];
  /** Rules that did not type-check against the registry given (they reach types it does not hold). */
  readonly unresolved: number;
}

/** What rules read beyond the record itself: a tree from the record outwards. */
export interface RelationNeeds {
  /** reference / any_reference fields a path follows, with what is read on the referenced record. */
  readonly follow: Map<string, RelationNeeds>;
  /** references fields a quantifier ranges over, with what is read on each listed record. */
  readonly forward: Map<string, RelationNeeds>;
  /** Reverse relations (`<type>.<field>`) a quantifier ranges over, with what is read on each related record. */
  readonly reverse: Map<string, ReverseNeed>;
}

export interface ReverseNeed {
  /** As written: `<type>.<field>`. */
  readonly path: string;
  readonly sourceType: string;
  readonly field: string;
  readonly needs: RelationNeeds;
}

/** The registry holding only this type: enough for every rule that stays on the record (and self-references). */
export function thisTypeOnly(definition: EntityTypeDefinition): RegistrySnapshot {
  return { type: (key) => (key === definition.key ? definition : undefined) };
}

/** Type-checks every rule against `registry` (rules were checked against the full registry when the type was saved). */
export function compileRules(definition: EntityTypeDefinition, registry: RegistrySnapshot): CompiledRules {
  const rules: CompiledRule[] = [];
  let unresolved = 0;
  for (const rule of definition.rules ?? []) {
    const compiled = compileCondition(rule.condition, definition.key, registry);
    if (!compiled.ok) {
      unresolved += 1;
      continue;
    }
    rules.push({ key: rule.key, message: rule.message, condition: compiled.condition, relational: !isEmptyNeeds(relationNeeds([compiled.condition])) });
  }
  return { rules, unresolved };
}

function emptyNeeds(): RelationNeeds {
  return { follow: new Map(), forward: new Map(), reverse: new Map() };
}

export function isEmptyNeeds(needs: RelationNeeds): boolean {
  return needs.follow.size === 0 && needs.forward.size === 0 && needs.reverse.size === 0;
}

function child<K>(map: Map<K, RelationNeeds>, key: K): RelationNeeds {
  let found = map.get(key);
  if (!found) map.set(key, (found = emptyNeeds()));
  return found;
}

function addPath(needs: RelationNeeds, path: ResolvedPath): void {
  let at = needs;
  for (const hop of path.hops) at = child(at.follow, hop.field);
}

function addOperand(needs: RelationNeeds, operand: ResolvedOperand): void {
  if (operand.kind === 'field') addPath(needs, operand.path);
}

function collect(condition: ResolvedCondition, needs: RelationNeeds): void {
  switch (condition.kind) {
    case 'and':
    case 'or':
      for (const item of condition.items) collect(item, needs);
      return;
    case 'not':
      collect(condition.item, needs);
      return;
    case 'null_check':
    case 'list':
    case 'text_match':
    case 'array_match':
      addPath(needs, condition.path);
      return;
    case 'compare':
      addPath(needs, condition.path);
      addOperand(needs, condition.operand);
      return;
    case 'between':
      addPath(needs, condition.path);
      addOperand(needs, condition.low);
      addOperand(needs, condition.high);
      return;
    case 'quantifier': {
      const { relation } = condition;
      let related: RelationNeeds;
      if (relation.kind === 'forward') {
        related = child(needs.forward, relation.field);
      } else {
        const key = `${relation.sourceType}.${relation.field}`;
        let reverse = needs.reverse.get(key);
        if (!reverse) needs.reverse.set(key, (reverse = { path: key, sourceType: relation.sourceType, field: relation.field, needs: emptyNeeds() }));
        related = reverse.needs;
      }
      if (condition.where !== null) collect(condition.where, related);
      return;
    }
  }
}

/** Everything the conditions read beyond the record, merged into one tree. */
export function relationNeeds(conditions: Iterable<ResolvedCondition>): RelationNeeds {
  const needs = emptyNeeds();
  for (const condition of conditions) collect(condition, needs);
  return needs;
}

/** The violated rules (false, not null) for the record `view` shows. */
export function ruleErrors(rules: readonly CompiledRule[], view: RecordView, context: RuleContext): FieldError[] {
  const errors: FieldError[] = [];
  for (const rule of rules) {
    if (evaluate(rule.condition, view, { now: context.now, timeZone: 'UTC', userId: context.userId }) === false) {
      errors.push({ pointer: '/', message: `${rule.message} (rule ${rule.key})` });
    }
  }
  return errors;
}

/**
 * The rules over the record's data alone (no database), for the type change
 * preview: rules across relations (paths through references, quantifiers)
 * are not judged there, since what they read is not loaded.
 */
export function ruleViolations(
  definition: EntityTypeDefinition,
  data: Readonly<Record<string, unknown>>,
  context: RuleContext = { now: new Date(), userId: null },
): FieldError[] {
  if ((definition.rules ?? []).length === 0) return [];
  const { rules } = compileRules(definition, thisTypeOnly(definition));
  const record: StoredRecord = { id: '00000000-0000-7000-8000-000000000000', type: definition.key, ...data };
  return ruleErrors(rules.filter((rule) => !rule.relational), inMemoryRecords([record]).view(record), context);
}
