// Load generator for `npm run bench:entities` (forked by bench/entities.ts):
// a closed loop of `connections` workers against the API (keep-alive HTTP
// agent) or against the same work as raw SQL through `pg` as tessera_app,
// the tenant entered in the same round trip (pipelined). Latencies go into a
// perf_hooks histogram; only operations started after the warm-up count.
import http from 'node:http';
import pg from 'pg';
import { pipelined, type Statement } from '../../src/platform/db/pipelined-query.ts';
import { newId } from '../../src/platform/ids.ts';
import { INSERT_ENTRIES, DELETE_ENTRIES } from '../../src/records/index-entries.sql.ts';
import { INSERT_RECORD, INSERT_RECORDS, LIST_RECORDS_BY_INDEX, SELECT_RECORD } from '../../src/records/records.sql.ts';
import { INDEXED_FIELDS, type EntityPlan, type EntityResult, type FromLoad } from './context.ts';
import { closedLoop } from '../closed-loop.ts';

/** Resolves null on success or a description of what went wrong. */
type Operation = (worker: number) => Promise<string | null>;

let counter = 0;
function caseData(): Record<string, unknown> {
  counter += 1;
  return {
    title: `Bench case ${counter}`,
    status: ['open', 'pending', 'closed'][counter % 3],
    region: `region-${counter % 100}`,
    score: counter % 1000,
    opened_at: new Date().toISOString(),
  };
}

/** An update touches every indexed field, so the entries rewritten match the merged data. */
function change(): Record<string, unknown> {
  const { status, region, score } = caseData();
  return { status, region, score };
}

interface Reply {
  status: number;
  etag: string | undefined;
  body: string;
}

function httpClient(plan: EntityPlan) {
  const url = new URL(plan.base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections });
  const send = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Reply> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path,
          method,
          headers: {
            authorization: `Bearer ${plan.tenant.token}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...extra,
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, etag: response.headers.etag, body: text }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  };
  return { send, close: () => agent.destroy() };
}

const failed = (reply: Reply, expected: number) => (reply.status === expected ? null : `HTTP ${reply.status}: ${reply.body.slice(0, 300)}`);

/** The statements records.service writes for `records` of one type: the index entries of the three indexed fields. */
function entriesStatement(ids: string[], data: Record<string, unknown>[]): Statement {
  const recordIds: string[] = [];
  const fields: string[] = [];
  const texts: (string | null)[] = [];
  const numbers: (number | null)[] = [];
  ids.forEach((id, index) => {
    const d = data[index] as Record<string, unknown>;
    for (const field of INDEXED_FIELDS) {
      recordIds.push(id);
      fields.push(field);
      texts.push(field === 'score' ? null : String(d[field]));
      numbers.push(field === 'score' ? Number(d[field]) : null);
    }
  });
  const nulls = recordIds.map(() => null);
  return {
    text: INSERT_ENTRIES,
    values: ['case', INDEXED_FIELDS, recordIds, fields, recordIds.map(() => 0), texts, numbers, nulls, nulls, nulls, recordIds.map(() => false)],
  };
}

// Audit entries and outbox events for many records in one statement each (the
// service writes one row of each per record, as src/audit and src/events do).
const INSERT_AUDITS = `
  insert into audit_log (tenant_id, id, actor_type, actor_id, action, target_type, target_id, before, after)
  select current_setting('app.tenant_id')::uuid, gen_random_uuid(), 'user', $1, $2, 'record', u.id, null, u.after
  from unnest($3::uuid[], $4::jsonb[]) as u(id, after)`;
const INSERT_EVENTS = `
  insert into outbox (tenant_id, id, event_type, subject_type, subject_id, payload)
  select current_setting('app.tenant_id')::uuid, gen_random_uuid(), $1, 'record', u.id, jsonb_build_object('type', 'case', 'record', u.after)
  from unnest($2::uuid[], $3::jsonb[]) as u(id, after)`;
const UPDATE_IF_MATCH = `
  update records set data = data || $2::jsonb, version = version + 1, updated_at = now(), updated_by = $4
  where id = $1 and version = $3
  returning id, type_key, type_version, data, version, created_at, updated_at, created_by, updated_by`;

function operations(plan: EntityPlan): { operation: Operation; close: () => Promise<void> } {
  const { tenant } = plan;
  const enter: Statement = { text: 'select tessera_enter_tenant($1::uuid, $2::uuid, $3::text, $4::boolean)', values: [tenant.tenantId, tenant.userId, 'gestor', true] };
  let next = 0;
  const pick = <T>(list: T[]): T => list[next++ % list.length] as T;
  // Each worker owns a slice of the records it updates, so If-Match never races; versions are tracked here.
  const versions = new Map<string, number>();
  const updateId = (ids: string[], worker: number): string => {
    const slice = Math.max(1, Math.floor(ids.length / plan.connections));
    const own = ids.slice(worker * slice, worker * slice + slice);
    return own[next++ % own.length] as string;
  };

  if (plan.scenario.startsWith('api-')) {
    const client = httpClient(plan);
    const close = async () => client.close();
    switch (plan.scenario) {
      case 'api-create':
        return { close, operation: async () => failed(await client.send('POST', '/api/records/case', caseData()), 201) };
      case 'api-bulk':
        return {
          close,
          operation: async () => {
            const reply = await client.send('POST', '/api/records/case/bulk', { records: Array.from({ length: plan.bulkSize }, caseData) });
            if (reply.status !== 200) return failed(reply, 200);
            const results = (JSON.parse(reply.body) as { results: { status: number }[] }).results;
            const bad = results.filter((result) => result.status !== 201).length;
            return bad === 0 ? null : `${bad} of ${results.length} bulk items not created: ${reply.body.slice(0, 300)}`;
          },
        };
      case 'api-read':
        return { close, operation: async () => failed(await client.send('GET', `/api/records/case/${pick(tenant.readIds)}`), 200) };
      case 'api-list':
        return {
          close,
          operation: async () => {
            const region = `region-${next++ % plan.regions}`;
            return failed(await client.send('GET', `/api/records/case?filter%5Bregion%5D=${region}&limit=50`), 200);
          },
        };
      case 'api-update':
        return {
          close,
          operation: async (worker) => {
            const id = updateId(tenant.apiUpdateIds, worker);
            const version = versions.get(id) ?? 1;
            const reply = await client.send('PATCH', `/api/records/case/${id}`, change(), { 'if-match': `"${version}"` });
            if (reply.status === 200) versions.set(id, version + 1);
            return failed(reply, 200);
          },
        };
      default:
        throw new Error(`unknown scenario ${plan.scenario}`);
    }
  }

  const pool = new pg.Pool({ connectionString: plan.appUrl, max: plan.poolSize, application_name: 'tessera-bench-entities' });
  const run = async (preludes: Statement[], main: Statement): Promise<pg.QueryResult> => {
    const client = await pool.connect();
    try {
      return await pipelined(client, [enter, ...preludes], main);
    } finally {
      client.release();
    }
  };
  const close = () => pool.end();
  const writes = (action: string, ids: string[], data: Record<string, unknown>[]): Statement[] => {
    const after = data.map((d) => JSON.stringify(d));
    return [
      { text: INSERT_AUDITS, values: [tenant.userId, action, ids, after] },
      { text: INSERT_EVENTS, values: [action, ids, after] },
    ];
  };
  const expectRows = (result: pg.QueryResult, count: number) => (result.rowCount === count ? null : `expected ${count} row(s), got ${String(result.rowCount)}`);
  switch (plan.scenario) {
    case 'sql-create':
      return {
        close,
        operation: async () => {
          const id = newId();
          const data = caseData();
          const [audit, event] = writes('record.created', [id], [data]);
          const result = await run(
            [{ text: INSERT_RECORD, values: [id, 'case', 1, JSON.stringify(data), tenant.userId] }, entriesStatement([id], [data]), audit as Statement],
            event as Statement,
          );
          return expectRows(result, 1);
        },
      };
    case 'sql-bulk':
      return {
        close,
        operation: async () => {
          const ids = Array.from({ length: plan.bulkSize }, () => newId());
          const data = ids.map(caseData);
          const [audit, event] = writes('record.created', ids, data);
          const result = await run(
            [{ text: INSERT_RECORDS, values: [ids, data.map((d) => JSON.stringify(d)), 'case', 1, tenant.userId] }, entriesStatement(ids, data), audit as Statement],
            event as Statement,
          );
          return expectRows(result, ids.length);
        },
      };
    case 'sql-read':
      return { close, operation: async () => expectRows(await run([], { text: SELECT_RECORD, values: ['case', pick(tenant.readIds)] }), 1) };
    case 'sql-list':
      return {
        close,
        operation: async () => {
          const region = `region-${next++ % plan.regions}`;
          // As the service sends it: the filter as containment, candidates from record_index, limit + 1 for the cursor.
          const result = await run([], {
            text: LIST_RECORDS_BY_INDEX.value_text.id,
            values: ['case', JSON.stringify({ region }), null, null, 51, 'region', region],
          });
          return result.rowCount === 0 ? `no records in ${region}` : null;
        },
      };
    case 'sql-update':
      return {
        close,
        operation: async (worker) => {
          const id = updateId(tenant.sqlUpdateIds, worker);
          const version = versions.get(id) ?? 1;
          const changed = change();
          const [audit, event] = writes('record.updated', [id], [changed]);
          const result = await run(
            [
              { text: DELETE_ENTRIES, values: [[id]] },
              entriesStatement([id], [changed]),
              audit as Statement,
              event as Statement,
            ],
            { text: UPDATE_IF_MATCH, values: [id, JSON.stringify(changed), version, tenant.userId] },
          );
          if (result.rowCount === 1) versions.set(id, version + 1);
          return expectRows(result, 1);
        },
      };
    default:
      throw new Error(`unknown scenario ${plan.scenario}`);
  }
}

async function runPlan(plan: EntityPlan): Promise<EntityResult> {
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
      p50Ms: histogram.percentile(50) / 1e6,
      p99Ms: histogram.percentile(99) / 1e6,
      meanMs: histogram.mean / 1e6,
    };
  } finally {
    await close();
  }
}

if (!process.send) {
  console.error('bench/entities/load.ts is forked by bench/entities.ts; run `npm run bench:entities` instead.');
  process.exit(2);
}
process.once('message', (plan: EntityPlan) => {
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
