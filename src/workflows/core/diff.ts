// What changed between two versions of a workflow (GET /api/workflows/{key}/diff):
// states and transitions added, removed or changed (one entry per changed
// member), and changed workflow members (`initial`, `entity_type`, `label`,
// `description`). Pure. Definitions are compared in their normalised form
// (parse-definition.ts), so equal meaning is equal JSON; order is not a change.
import { canonicalJson } from '../../entities/core/diff.ts';
import { pointerTo } from '../../conditions/pointer.ts';
import type { WorkflowDefinition } from './definition.ts';

export interface WorkflowChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly target: 'workflow' | 'state' | 'transition';
  /** The state or transition key; for the workflow itself, the member that changed. */
  readonly key: string;
  /** For a changed state or transition: the member that changed (`sla`, `guards`, ...). */
  readonly member?: string;
  /** JSON Pointer into `to` (added, changed) or into `from` (removed). */
  readonly pointer: string;
  /** Absent when the item or member did not exist before. */
  readonly before?: unknown;
  /** Absent when the item or member does not exist after. */
  readonly after?: unknown;
}

const WORKFLOW_MEMBERS = ['entity_type', 'initial', 'label', 'description'] as const;

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

function valueMembers(before: unknown, after: unknown): { before?: unknown; after?: unknown } {
  return { ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) };
}

function diffItems<T extends { readonly key: string }>(
  target: 'state' | 'transition', list: 'states' | 'transitions', before: readonly T[], after: readonly T[], changes: WorkflowChange[],
): void {
  const old = new Map(before.map((item, index) => [item.key, { item, index }]));
  const current = new Map(after.map((item, index) => [item.key, { item, index }]));
  for (const [key, { item, index }] of old) {
    if (!current.has(key)) changes.push({ change: 'removed', target, key, pointer: pointerTo(`/${list}`, index), before: item });
  }
  for (const [key, { item, index }] of current) {
    const previous = old.get(key);
    const pointer = pointerTo(`/${list}`, index);
    if (!previous) {
      changes.push({ change: 'added', target, key, pointer, after: item });
      continue;
    }
    const was = previous.item as Readonly<Record<string, unknown>>;
    const now = item as Readonly<Record<string, unknown>>;
    const members = [...new Set([...Object.keys(was), ...Object.keys(now)])].sort();
    for (const member of members) {
      if (!same(was[member], now[member])) {
        changes.push({ change: 'changed', target, key, member, pointer: pointerTo(pointer, member), ...valueMembers(was[member], now[member]) });
      }
    }
  }
}

export function diffWorkflows(from: WorkflowDefinition, to: WorkflowDefinition): WorkflowChange[] {
  const changes: WorkflowChange[] = [];
  for (const member of WORKFLOW_MEMBERS) {
    if (!same(from[member], to[member])) {
      changes.push({ change: 'changed', target: 'workflow', key: member, pointer: `/${member}`, ...valueMembers(from[member], to[member]) });
    }
  }
  diffItems('state', 'states', from.states, to.states, changes);
  diffItems('transition', 'transitions', from.transitions, to.transitions, changes);
  return changes;
}
