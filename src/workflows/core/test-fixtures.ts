// Shared by the workflow core's tests (not used by production code): the
// issue's example definition and a small registry it runs against.
import type { EntityTypeDefinition, RegistrySnapshot } from '../../entities/core/definitions.ts';
import type { EngineActor, EngineFacts, EngineRecord } from './decision.ts';
import { defaultBusinessHours, twentyFourSeven, type BusinessCalendar } from './calendar-types.ts';
import { ISSUE_EXAMPLE } from './example.ts';

export function registryOf(types: readonly EntityTypeDefinition[]): RegistrySnapshot {
  const byKey = new Map(types.map((type) => [type.key, type]));
  return { type: (key) => byKey.get(key) };
}

export const registry = registryOf([
  {
    key: 'incident', label: 'Incident', fields: [
      { key: 'title', type: 'text' },
      { key: 'assignee', type: 'user' },
      { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
      { key: 'resolution', type: 'long_text' },
      { key: 'due', type: 'datetime' },
    ],
  },
  { key: 'asset', label: 'Asset', fields: [{ key: 'status', type: 'enum', values: ['active', 'retired'] }] },
  {
    key: 'task', label: 'Task', fields: [
      { key: 'parent', type: 'reference', target: 'incident', on_delete: 'cascade' },
      { key: 'title', type: 'text' },
    ],
  },
]);

/** The example of issue #6, verbatim. */
export const issueExample = ISSUE_EXAMPLE;

export const ORG_ZONE = 'America/Sao_Paulo';
export const USER_ID = '0190f5a0-0000-7000-8000-000000000001';
export const OTHER_USER_ID = '0190f5a0-0000-7000-8000-000000000002';
export const RECORD_ID = '0190f5a0-0000-7000-8000-0000000000aa';
export const ASSET_ID = '0190f5a0-0000-7000-8000-0000000000bb';

export const calendars: ReadonlyMap<string, BusinessCalendar> = new Map([
  ['24x7', twentyFourSeven(ORG_ZONE)],
  ['business-hours', defaultBusinessHours(ORG_ZONE)],
]);

export function recordOf(state: string, data: Record<string, unknown> = {}, overrides: Partial<EngineRecord> = {}): EngineRecord {
  const at = new Date('2026-03-02T12:00:00Z');
  return {
    id: RECORD_ID, type: 'incident', version: 1, state, stateEnteredAt: at, data: { title: 'Printer on fire', asset: ASSET_ID, ...data },
    createdBy: OTHER_USER_ID, updatedBy: OTHER_USER_ID, createdAt: at, updatedAt: at, ...overrides,
  };
}

export const member: EngineActor = { kind: 'user', userId: USER_ID, role: 'gestor', teams: ['ops'] };
export const apiKey: EngineActor = { kind: 'api_key', userId: null, role: null, teams: [] };
export const system: EngineActor = { kind: 'system', userId: null, role: null, teams: [] };

export function factsOf(overrides: Partial<EngineFacts> = {}): EngineFacts {
  return {
    now: new Date('2026-03-02T13:00:00Z'), // a Monday, 10:00 in São Paulo
    timeZone: ORG_ZONE,
    related: [{ id: ASSET_ID, type: 'asset', status: 'active' }],
    external: new Map(),
    teamLoads: new Map(),
    calendars,
    ...overrides,
  };
}
