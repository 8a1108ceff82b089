// A small registry shared by this module's tests (not used by production code).
import type { EntityTypeDefinition, RegistrySnapshot } from '../entities/core/definitions.ts';

export function registryOf(types: readonly EntityTypeDefinition[]): RegistrySnapshot {
  const byKey = new Map(types.map((type) => [type.key, type]));
  return { type: (key) => byKey.get(key) };
}

export const registry = registryOf([
  {
    key: 'incident', label: 'Incident', fields: [
      { key: 'title', type: 'text' },
      { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3', 'p4'] },
      { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
      { key: 'minutes_to_respond', type: 'integer' },
      { key: 'cost', type: 'decimal' },
      { key: 'urgent', type: 'boolean' },
      { key: 'due_on', type: 'date' },
      { key: 'opened_at', type: 'datetime' },
      { key: 'closed_at', type: 'datetime' },
      { key: 'tags', type: 'multi_enum', values: ['network', 'power', 'water'] },
      { key: 'related', type: 'references', target: 'incident' },
      { key: 'assignee', type: 'user' },
      { key: 'reporter_email', type: 'email' },
      { key: 'details', type: 'json' },
      { key: 'subject', type: 'any_reference', targets: ['asset', 'contract'] },
    ],
  },
  {
    key: 'asset', label: 'Asset', fields: [
      { key: 'name', type: 'text' },
      { key: 'building', type: 'text' },
      { key: 'status', type: 'enum', values: ['active', 'retired'] },
      { key: 'site', type: 'reference', target: 'site' },
    ],
  },
  {
    key: 'contract', label: 'Contract', fields: [
      { key: 'name', type: 'text' },
      { key: 'status', type: 'enum', values: ['draft', 'signed'] },
      { key: 'value', type: 'decimal' },
    ],
  },
  { key: 'site', label: 'Site', fields: [{ key: 'name', type: 'text' }, { key: 'region', type: 'reference', target: 'region' }] },
  { key: 'region', label: 'Region', fields: [{ key: 'name', type: 'text' }, { key: 'parent', type: 'reference', target: 'region' }] },
]);

/** The example from issue #4/#5. */
export const issueExample = {
  and: [
    { field: 'closed_at', op: 'gte', value: { field: 'opened_at' } },
    { field: 'priority', op: 'in', value: ['p1', 'p2'] },
    { not: { field: 'asset.building', op: 'eq', value: '7' } },
    { or: [
      { field: 'assignee', op: 'eq', value: { current_user: true } },
      { field: 'created_at', op: 'gte', value: { relative: '-7d' } },
    ] },
  ],
};

/** Resolves a JSON Pointer in a value; undefined when it points nowhere. */
export function resolvePointer(root: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: root };
  if (!pointer.startsWith('/')) return { found: false };
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(token) && Number(token) < current.length) current = current[Number(token)];
    else if (typeof current === 'object' && current !== null && !Array.isArray(current) && Object.prototype.hasOwnProperty.call(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else return { found: false };
  }
  return { found: true, value: current };
}
