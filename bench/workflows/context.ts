// What bench/workflows.ts hands to its load generator (bench/workflows/load.ts)
// for one scenario, and the workflow both sides run: plain data only, since it
// crosses the IPC channel.
export type WorkflowScenario = 'api-transition' | 'sql-transition';

export interface WorkflowPlan {
  scenario: WorkflowScenario;
  base: string;
  appUrl: string;
  poolSize: number;
  tenantId: string;
  userId: string;
  /** The gestor's access token (member JWT). */
  token: string;
  /** Records of this scenario; each in-flight worker owns a disjoint slice. */
  ids: string[];
  /** Those of them in state `working` when the run starts (the others are in `open`). */
  working: string[];
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

export interface WorkflowResult {
  operations: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  operationsPerSecond: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export type FromLoad = { type: 'recording' } | { type: 'done'; result: WorkflowResult } | { type: 'failed'; message: string };

export const TICKET_TYPE = {
  key: 'ticket',
  label: 'Ticket',
  fields: [
    { key: 'title', type: 'text', required: true, max_length: 200 },
    { key: 'priority', type: 'enum', values: ['low', 'high', 'blocked'] },
    { key: 'assignee', type: 'user' },
    { key: 'started_at', type: 'datetime' },
    { key: 'paused_at', type: 'datetime' },
  ],
};

/** Each measured transition has a role guard, a condition guard, a `set` effect and a `webhook` effect. */
const guards = [{ role: ['gestor'] }, { condition: { field: 'priority', op: 'neq', value: 'blocked' } }];

/**
 * open → working (`work`) and back (`pause`): a worker alternates them on
 * the records of its slice, so records are reused without ever reaching the
 * final state (`finish` exists so that the definition has a path to one).
 */
export const TICKET_WORKFLOW = {
  key: 'ticket-flow',
  entity_type: 'ticket',
  initial: 'open',
  states: [
    { key: 'open', category: 'new' },
    { key: 'working', category: 'active' },
    { key: 'done', category: 'closed', final: true },
  ],
  transitions: [
    {
      key: 'work',
      from: ['open'],
      to: 'working',
      guards,
      effects: [{ set: { assignee: { current_user: true }, started_at: { now: true } } }, { webhook: { event: 'ticket.started' } }],
    },
    {
      key: 'pause',
      from: ['working'],
      to: 'open',
      guards,
      effects: [{ set: { paused_at: { now: true } } }, { webhook: { event: 'ticket.paused' } }],
    },
    { key: 'finish', from: ['working'], to: 'done' },
  ],
};
