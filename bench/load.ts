// The load generator: a closed loop of `connections` workers, each sending the
// next request as soon as the previous one answered. It runs in a child
// process (bench/run.ts forks it) so that building requests and parsing
// responses does not run on the server's event loop. Latencies go into a
// perf_hooks histogram in nanoseconds; only requests started after the
// warm-up count.
import http from 'node:http';
import pg from 'pg';
import { pipelined } from '../src/platform/db/pipelined-query.ts';
import type { FromChild, LoadPlan, LoadResult, Target, ToChild } from './plan.ts';
import { countRoundTrips, roundTrips } from './round-trips.ts';
import { closedLoop } from './closed-loop.ts';

countRoundTrips();

/** One request; resolves null on success or a description of what went wrong. */
type Operation = () => Promise<string | null>;

interface Driver {
  preflight(): Promise<void>;
  operation: Operation;
  close(): Promise<void>;
}

function httpDriver(target: Extract<Target, { kind: 'http' }>, connections: number): Driver {
  const url = new URL(target.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const options: http.RequestOptions = {
    agent,
    host: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers: target.headers,
  };
  const operation: Operation = () =>
    new Promise((resolve, reject) => {
      const request = http.request(options, (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // The body is read (so the connection can be reused) but not parsed,
          // as a client that only forwards it would.
          response.resume();
          response.on('end', () => resolve(null));
        } else {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve(`HTTP ${status}: ${body.slice(0, 300)}`));
        }
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end();
    });
  return {
    operation,
    preflight: async () => {
      const response = await fetch(target.url, { headers: target.headers });
      const text = await response.text();
      if (!response.ok) throw new Error(`preflight ${target.url}: HTTP ${response.status} ${text.slice(0, 300)}`);
      if (target.expectId !== null) {
        const id = (JSON.parse(text) as { id?: unknown }).id;
        if (id !== target.expectId) throw new Error(`preflight ${target.url}: expected id ${target.expectId}, got ${String(id)}`);
      }
    },
    close: async () => agent.destroy(),
  };
}

function sqlDriver(target: Extract<Target, { kind: 'sql' }>): Driver {
  const pool = new pg.Pool({ connectionString: target.connectionString, max: target.poolSize, application_name: 'tessera-bench' });
  // Mirrors TenantDatabase.query: borrow a connection, one round trip, give it back.
  const run = async (): Promise<pg.QueryResult> => {
    if (target.preludes.length === 0) return pool.query(target.main.text, [...target.main.values]);
    const client = await pool.connect();
    try {
      return await pipelined(client, target.preludes, target.main);
    } finally {
      client.release();
    }
  };
  return {
    operation: async () => {
      const { rowCount } = await run();
      return rowCount === 1 ? null : `expected one row, got ${String(rowCount)}`;
    },
    preflight: async () => {
      const { rows } = await run();
      const id: unknown = rows[0]?.id;
      if (rows.length !== 1 || id !== target.expectId) {
        throw new Error(`preflight SQL: expected one row with id ${target.expectId}, got ${rows.length} row(s)`);
      }
    },
    close: () => pool.end(),
  };
}

function send(message: FromChild): void {
  process.send?.(message);
}

async function runPlan(plan: LoadPlan): Promise<LoadResult> {
  const driver = plan.target.kind === 'http' ? httpDriver(plan.target, plan.connections) : sqlDriver(plan.target);
  try {
    await driver.preflight();
    let cpuAtStart = process.cpuUsage();
    let roundTripsAtStart = roundTrips();
    const loop = await closedLoop(() => driver.operation(), {
      connections: plan.connections,
      seconds: plan.seconds,
      warmupSeconds: plan.warmupSeconds,
      onRecording: () => {
        cpuAtStart = process.cpuUsage();
        roundTripsAtStart = roundTrips();
        send({ type: 'recording' });
      },
    });
    const cpu = process.cpuUsage(cpuAtStart);
    const roundTripsMade = roundTrips() - roundTripsAtStart;
    const { histogram } = loop;
    const ms = (ns: number) => ns / 1e6;
    return {
      requests: loop.operations,
      errors: loop.errors,
      firstError: loop.firstError,
      seconds: loop.seconds,
      requestsPerSecond: loop.operations / loop.seconds,
      p50Ms: ms(histogram.percentile(50)),
      p90Ms: ms(histogram.percentile(90)),
      p99Ms: ms(histogram.percentile(99)),
      maxMs: ms(histogram.max),
      meanMs: ms(histogram.mean),
      clientCpuMicros: cpu.user + cpu.system,
      roundTrips: roundTripsMade,
    };
  } finally {
    await driver.close();
  }
}

if (!process.send) {
  console.error('bench/load.ts is the load generator that bench/run.ts forks; run `npm run bench` instead.');
  process.exit(2);
}

process.once('message', (message: ToChild) => {
  runPlan(message.plan).then(
    (result) => {
      send({ type: 'done', result });
      process.disconnect();
    },
    (error: unknown) => {
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      process.disconnect();
    },
  );
});
