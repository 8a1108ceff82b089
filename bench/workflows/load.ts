// Load generator for `npm run bench:workflows` (forked by bench/workflows.ts):
// a closed loop of `connections` in-flight workers, each alternating the
// transitions `work` (open → working) and `pause` (working → open) on the
// records of its own slice, so every transition is on a distinct record from
// the others in flight. Either through the API (keep-alive HTTP agent) or as
// the same change of state in raw SQL through `pg` as tessera_app: the
// tenant entered and one statement that updates the record (state, category,
// data, version) and inserts the webhook's outbox row, in one round trip.
// Latencies go into a perf_hooks histogram; only operations started after
// the warm-up count.
import http from 'node:http';
import pg from 'pg';
import { pipelined, type Statement } from '../../src/platform/db/pipelined-query.ts';
import { newId } from '../../src/platform/ids.ts';
import type { FromLoad, WorkflowPlan, WorkflowResult } from './context.ts';
import { closedLoop } from '../closed-loop.ts';

/** Resolves null on success or a description of what went wrong. */
type Operation = (worker: number) => Promise<string | null>;

interface Step {
  transition: 'work' | 'pause';
  from: string;
  to: string;
  category: string;
  event: string;
  /** The field the transition's `set` effect writes with the time. */
  field: 'started_at' | 'paused_at';
}

const STEPS: Record<'open' | 'working', Step> = {
  open: { transition: 'work', from: 'open', to: 'working', category: 'active', event: 'ticket.started', field: 'started_at' },
  working: { transition: 'pause', from: 'working', to: 'open', category: 'new', event: 'ticket.paused', field: 'paused_at' },
};

/**
 * The raw baseline: the guard's condition in the WHERE clause (the role guard
 * is the caller's own knowledge), the `set` effect merged into data, and the
 * webhook's outbox row, written only when the record moved.
 */
const RAW_TRANSITION = `
  with moved as (
    update records
    set state = $3, state_category = $4, state_entered_at = now(),
        data = data || jsonb_build_object('assignee', $5::uuid::text, $6::text, $7::text),
        version = version + 1, updated_at = now(), updated_by = $5::uuid
    where id = $1 and type_key = 'ticket' and state = $2 and (data->>'priority') is distinct from 'blocked'
    returning id, version
  )
  insert into outbox (tenant_id, id, event_type, subject_type, subject_id, payload)
  select current_setting('app.tenant_id')::uuid, $8::uuid, $9, 'record', moved.id::text,
    jsonb_build_object('record', jsonb_build_object('id', moved.id, 'type', 'ticket', 'version', moved.version), 'transition', $10::text, 'from', $2::text, 'to', $3::text)
  from moved
  returning subject_id`;

interface Reply {
  status: number;
  body: string;
}

function httpClient(plan: WorkflowPlan) {
  const url = new URL(plan.base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections });
  const send = (method: string, path: string, body: unknown): Promise<Reply> => {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path,
          method,
          headers: { authorization: `Bearer ${plan.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  };
  return { send, close: () => agent.destroy() };
}

function operations(plan: WorkflowPlan): { operation: Operation; close: () => Promise<void> } {
  // Each worker owns a slice of the records and knows the state of each.
  const slice = Math.max(1, Math.floor(plan.ids.length / plan.connections));
  const working = new Set(plan.working);
  const states = new Map<string, 'open' | 'working'>(plan.ids.map((id) => [id, working.has(id) ? 'working' : 'open']));
  const cursors = new Array<number>(plan.connections).fill(0);
  const nextRecord = (worker: number): string => {
    const own = plan.ids.slice(worker * slice, worker * slice + slice);
    const id = own[(cursors[worker] ?? 0) % own.length] as string;
    cursors[worker] = (cursors[worker] ?? 0) + 1;
    return id;
  };

  if (plan.scenario === 'api-transition') {
    const client = httpClient(plan);
    return {
      close: async () => client.close(),
      operation: async (worker) => {
        const id = nextRecord(worker);
        const step = STEPS[states.get(id) ?? 'open'];
        const reply = await client.send('POST', `/api/records/ticket/${id}/transitions/${step.transition}`, { input: {} });
        if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.body.slice(0, 300)}`;
        states.set(id, step.to as 'open' | 'working');
        return null;
      },
    };
  }

  const pool = new pg.Pool({ connectionString: plan.appUrl, max: plan.poolSize, application_name: 'tessera-bench-workflows' });
  const enter: Statement = { text: 'select tessera_enter_tenant($1::uuid, $2::uuid, $3::text, $4::boolean)', values: [plan.tenantId, plan.userId, 'gestor', true] };
  return {
    close: () => pool.end(),
    operation: async (worker) => {
      const id = nextRecord(worker);
      const step = STEPS[states.get(id) ?? 'open'];
      const client = await pool.connect();
      try {
        const result = await pipelined(client, [enter], {
          text: RAW_TRANSITION,
          values: [id, step.from, step.to, step.category, plan.userId, step.field, new Date().toISOString(), newId(), step.event, step.transition],
        });
        if (result.rowCount !== 1) return `record ${id} did not move from ${step.from}`;
        states.set(id, step.to as 'open' | 'working');
        return null;
      } finally {
        client.release();
      }
    },
  };
}

async function runPlan(plan: WorkflowPlan): Promise<WorkflowResult> {
  const { operation, close } = operations(plan);
  try {
    const preflight = await operation(0);
    if (preflight !== null) throw new Error(`preflight: ${preflight}`);
    const loop = await closedLoop(operation, {
      connections: plan.connections,
      seconds: plan.seconds,
      warmupSeconds: plan.warmupSeconds,
      onRecording: () => process.send?.({ type: 'recording' } satisfies FromLoad),
    });
    const { histogram } = loop;
    return {
      operations: loop.operations,
      errors: loop.errors,
      firstError: loop.firstError,
      seconds: loop.seconds,
      operationsPerSecond: loop.operations / loop.seconds,
      meanMs: histogram.mean / 1e6,
      p50Ms: histogram.percentile(50) / 1e6,
      p95Ms: histogram.percentile(95) / 1e6,
      p99Ms: histogram.percentile(99) / 1e6,
    };
  } finally {
    await close();
  }
}

if (!process.send) {
  console.error('bench/workflows/load.ts is forked by bench/workflows.ts; run `npm run bench:workflows` instead.');
  process.exit(2);
}
process.once('message', (plan: WorkflowPlan) => {
  runPlan(plan).then(
    (result) => {
      process.send?.({ type: 'done', result } satisfies FromLoad);
      process.disconnect();
    },
    (error: unknown) => {
      process.send?.({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromLoad);
      process.disconnect();
    },
  );
});
