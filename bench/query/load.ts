// Load generator for `npm run bench:query` (forked by bench/query.ts, so that
// building requests and reading answers never runs on the server's event
// loop): a closed loop of `connections` workers sending one query, either to
// POST /api/query (keep-alive HTTP agent, the gestor's JWT) or as the
// hand-written SQL through `pg` as tessera_app, the tenant entered with
// tessera_enter_tenant in the same round trip (pipelined). Latencies go into a
// perf_hooks histogram; only requests started after the warm-up count. A
// stream plan reads one full answer instead: NDJSON over HTTP, or the rows
// through a server-side cursor (pg-cursor) in a transaction.
import http from 'node:http';
import { createHistogram } from 'node:perf_hooks';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { pipelined, type Statement } from '../../src/platform/db/pipelined-query.ts';
import type { FromLoad, LoadPlan, LoadResult, StreamResult } from './context.ts';

const STREAM_BATCH = 500;

function enterStatement(plan: LoadPlan): Statement {
  return { text: 'select tessera_enter_tenant($1::uuid, $2::uuid, $3::text, $4::boolean)', values: [plan.tenantId, plan.userId, 'gestor', true] };
}

function post(agent: http.Agent, plan: LoadPlan, body: unknown, accept = 'application/json'): Promise<{ status: number; body: string }> {
  const url = new URL('/api/query', plan.base);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { authorization: `Bearer ${plan.token}`, accept, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
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
}

/** One request of the plan; resolves null on success or what went wrong. */
function operation(plan: LoadPlan): { run: () => Promise<string | null>; close: () => Promise<void> } {
  if (plan.mode === 'api') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections });
    return {
      run: async () => {
        const reply = await post(agent, plan, plan.body);
        if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.body.slice(0, 300)}`;
        const rows = (JSON.parse(reply.body) as { data: unknown[] }).data.length;
        return rows === plan.expectRows ? null : `expected ${plan.expectRows} rows, got ${rows}`;
      },
      close: async () => agent.destroy(),
    };
  }
  const pool = new pg.Pool({ connectionString: plan.appUrl, max: plan.poolSize, application_name: 'tessera-bench-query' });
  const statement = plan.sql as Statement;
  return {
    run: async () => {
      const client = await pool.connect();
      try {
        const result = await pipelined(client, [enterStatement(plan)], statement);
        const rows = Math.min(result.rowCount ?? 0, plan.page ?? Number.POSITIVE_INFINITY);
        return rows === plan.expectRows ? null : `expected ${plan.expectRows} rows, got ${rows}`;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function runLoop(plan: LoadPlan): Promise<LoadResult> {
  const { run, close } = operation(plan);
  try {
    // Warm-up: every worker once (plans and caches), then until the warm-up time has passed.
    const warmupEnd = Date.now() + plan.warmupSeconds * 1000;
    await Promise.all(
      Array.from({ length: plan.connections }, async () => {
        do {
          const failure = await run();
          if (failure !== null) throw new Error(`warm-up: ${failure}`);
        } while (Date.now() < warmupEnd);
      }),
    );
    process.send?.({ type: 'recording' } satisfies FromLoad);
    const histogram = createHistogram({ lowest: 1, highest: 600e9, figures: 3 });
    const started = process.hrtime.bigint();
    const end = started + BigInt(Math.round(plan.seconds * 1e9));
    let requests = 0;
    let errors = 0;
    let firstError: string | null = null;
    const worker = async () => {
      // Until the time is up and every worker has made its share of the minimum.
      for (let own = 0; ; own += 1) {
        const begun = process.hrtime.bigint();
        if (begun >= end && own * plan.connections >= plan.minRequests) return;
        let failure: string | null;
        try {
          failure = await run();
        } catch (error) {
          failure = error instanceof Error ? error.message : String(error);
        }
        const elapsed = process.hrtime.bigint() - begun;
        requests += 1;
        histogram.record(elapsed > 0n ? elapsed : 1n);
        if (failure !== null) {
          errors += 1;
          firstError ??= failure;
        }
      }
    };
    await Promise.all(Array.from({ length: plan.connections }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      requests,
      errors,
      firstError,
      seconds,
      perSecond: requests / seconds,
      p50Ms: histogram.percentile(50) / 1e6,
      p95Ms: histogram.percentile(95) / 1e6,
      meanMs: histogram.mean / 1e6,
    };
  } finally {
    await close();
  }
}

/** Reads one full NDJSON answer and counts its rows (the `$end` trailer line excluded) without keeping them. */
function apiStream(plan: LoadPlan): Promise<StreamResult> {
  const url = new URL('/api/query', plan.base);
  const payload = JSON.stringify(plan.body);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let firstByte = 0;
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { authorization: `Bearer ${plan.token}`, accept: 'application/x-ndjson', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        if (response.statusCode !== 200) {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () => reject(new Error(`HTTP ${response.statusCode}: ${text.slice(0, 300)}`)));
          return;
        }
        let lines = 0;
        let bytes = 0;
        let tail = '';
        response.on('data', (chunk: Buffer) => {
          if (firstByte === 0) firstByte = Number(process.hrtime.bigint() - started) / 1e6;
          bytes += chunk.length;
          for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lines += 1;
          tail = (tail + chunk.toString('utf8')).slice(-400);
        });
        response.on('end', () => {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const last = tail.trimEnd().split('\n').at(-1) ?? '';
          const ended = last.startsWith('{"$end"');
          const rows = ended ? lines - 1 : lines;
          resolve({ rows, seconds, rowsPerSecond: rows / seconds, bytes, firstRowMs: firstByte, trailer: ended ? last : `no $end line: ${last.slice(0, 200)}` });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** The same rows through a server-side cursor, in batches of the service's size, in one transaction. */
async function sqlStream(plan: LoadPlan): Promise<StreamResult> {
  const client = new pg.Client({ connectionString: plan.appUrl, application_name: 'tessera-bench-query' });
  await client.connect();
  try {
    const started = process.hrtime.bigint();
    await client.query('begin');
    const enter = enterStatement(plan);
    await client.query(enter.text, [...enter.values]);
    const cursor = client.query(new Cursor((plan.sql as Statement).text, [...(plan.sql as Statement).values]));
    let rows = 0;
    let bytes = 0;
    let firstRowMs = 0;
    for (;;) {
      const batch = await cursor.read(STREAM_BATCH);
      if (firstRowMs === 0) firstRowMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (batch.length === 0) break;
      rows += batch.length;
      // What a hand-written service would do with each row before sending it: one JSON line.
      for (const row of batch) bytes += JSON.stringify(row).length + 1;
    }
    await cursor.close();
    await client.query('commit');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { rows, seconds, rowsPerSecond: rows / seconds, bytes, firstRowMs, trailer: '' };
  } finally {
    await client.end();
  }
}

async function runPlan(plan: LoadPlan): Promise<FromLoad> {
  if (plan.mode === 'api-stream') return { type: 'stream', result: await apiStream(plan) };
  if (plan.mode === 'sql-stream') return { type: 'stream', result: await sqlStream(plan) };
  return { type: 'done', result: await runLoop(plan) };
}

if (!process.send) {
  console.error('bench/query/load.ts is forked by bench/query.ts; run `npm run bench:query` instead.');
  process.exit(2);
}
process.once('message', (plan: LoadPlan) => {
  runPlan(plan).then(
    (message) => {
      process.send?.(message);
      process.disconnect();
    },
    (error: unknown) => {
      process.send?.({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromLoad);
      process.disconnect();
    },
  );
});
