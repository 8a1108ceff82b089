// What changed between two versions of a type, as data: shown in the version
// history, recorded with each version, and (later) the input of preview and
// index planning. Pure. Definitions are compared in their normalised form
// (parseDefinition), where an absent option and `false`/null mean the same.
import type { EntityTypeDefinition, FieldDefinition, RuleDefinition } from './definitions.ts';
import { FIELD_OPTIONS, normaliseField } from './parse-definition.ts';

/** One value before and after; null means absent. */
export interface Change {
  readonly before: unknown;
  readonly after: unknown;
}

export interface ItemChange {
  readonly key: string;
  /** Only the options (or rule members) that differ. */
  readonly changes: Readonly<Record<string, Change>>;
}

export interface ListDiff<T> {
  readonly added: readonly T[];
  readonly removed: readonly T[];
  readonly changed: readonly ItemChange[];
  /**
   * The new order of all keys, present only when it is not the natural one:
   * the kept items in their old order followed by the added items.
   */
  readonly order?: readonly string[];
}

export interface DefinitionDiff {
  readonly label?: Change;
  readonly description?: Change;
  readonly fields: ListDiff<FieldDefinition>;
  readonly rules: ListDiff<RuleDefinition>;
}

const RULE_MEMBERS = ['key', 'message', 'condition'] as const;

/** JSON with object keys sorted: equal texts mean equal values. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

function diffList<T extends { readonly key: string }>(before: readonly T[], after: readonly T[], members: readonly string[]): ListDiff<T> {
  const old = new Map(before.map((item) => [item.key, item]));
  const current = new Map(after.map((item) => [item.key, item]));
  const removed = before.filter((item) => !current.has(item.key));
  const added = after.filter((item) => !old.has(item.key));
  const changed: ItemChange[] = [];
  for (const item of after) {
    const previous = old.get(item.key);
    if (previous === undefined) continue;
    const changes: Record<string, Change> = {};
    for (const member of members) {
      const a = (previous as Record<string, unknown>)[member];
      const b = (item as Record<string, unknown>)[member];
      if (!sameValue(a, b)) changes[member] = { before: a ?? null, after: b ?? null };
    }
    if (Object.keys(changes).length > 0) changed.push({ key: item.key, changes });
  }
  const natural = [...before.filter((item) => current.has(item.key)), ...added].map((item) => item.key);
  const order = after.map((item) => item.key);
  const reordered = natural.some((key, index) => key !== order[index]);
  return { added, removed, changed, ...(reordered ? { order } : {}) };
}

export function diffDefinitions(before: EntityTypeDefinition | null, after: EntityTypeDefinition): DefinitionDiff {
  const diff: { -readonly [K in keyof DefinitionDiff]: DefinitionDiff[K] } = {
    fields: diffList(before?.fields ?? [], after.fields, FIELD_OPTIONS),
    rules: diffList(before?.rules ?? [], after.rules ?? [], RULE_MEMBERS),
  };
  if (before?.label !== after.label) diff.label = { before: before?.label ?? null, after: after.label };
  if ((before?.description ?? null) !== (after.description ?? null)) {
    diff.description = { before: before?.description ?? null, after: after.description ?? null };
  }
  return diff;
}

export function isEmptyDiff(diff: DefinitionDiff): boolean {
  const emptyList = (list: ListDiff<unknown>) =>
    list.added.length === 0 && list.removed.length === 0 && list.changed.length === 0 && list.order === undefined;
  return diff.label === undefined && diff.description === undefined && emptyList(diff.fields) && emptyList(diff.rules);
}

function applyList<T extends { readonly key: string }>(
  before: readonly T[],
  diff: ListDiff<T>,
  normalise: (item: Record<string, unknown>) => T,
): T[] {
  const removed = new Set(diff.removed.map((item) => item.key));
  const changes = new Map(diff.changed.map((change) => [change.key, change.changes]));
  const kept = before
    .filter((item) => !removed.has(item.key))
    .map((item) => {
      const itemChanges = changes.get(item.key);
      if (itemChanges === undefined) return item;
      const next: Record<string, unknown> = { ...item };
      for (const [member, change] of Object.entries(itemChanges)) {
        if (change.after === null) delete next[member];
        else next[member] = change.after;
      }
      return normalise(next);
    });
  const all = [...kept, ...diff.added];
  if (diff.order === undefined) return all;
  const byKey = new Map(all.map((item) => [item.key, item]));
  return diff.order.map((key) => byKey.get(key)).filter((item): item is T => item !== undefined);
}

function normaliseRule(rule: Record<string, unknown>): RuleDefinition {
  return { key: rule.key as string, message: rule.message as string, condition: rule.condition };
}

/** Applies a diff to the definition it was computed from: applyDiff(a, diffDefinitions(a, b)) equals b. */
export function applyDiff(before: EntityTypeDefinition, diff: DefinitionDiff): EntityTypeDefinition {
  const description = diff.description === undefined ? before.description : (diff.description.after as string | null);
  return {
    key: before.key,
    label: diff.label === undefined ? before.label : (diff.label.after as string),
    ...(description === undefined || description === null ? {} : { description }),
    fields: applyList(before.fields, diff.fields, normaliseField),
    rules: applyList(before.rules ?? [], diff.rules, normaliseRule),
  };
}
