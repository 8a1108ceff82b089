// The load generator: a closed loop of `connections` workers, each sending the
// next request as soon as the previous one answered. It runs in a child
// process (bench/run.ts forks it) so that building requests and parsing
// responses does not run on the server's event loop. Latencies go into a
// perf_hooks histogram in nanoseconds; only requests started after the
// warm-up count.
import http from 'node:http';
import { createHistogram } from 'node:perf_hooks';
import pg from 'pg';
import { pipelined } from '../src/platform/db/pipelined-query.ts';
import type { FromChild, LoadPlan, LoadResult, Target, ToChild } from './plan.ts';
import { countRoundTrips, roundTrips } from './round-trips.ts';

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
    const histogram = createHistogram({ lowest: 1, highest: 120e9, figures: 3 });
    // Set when the warm-up ends; until then nothing is recorded and the loop never stops.
    let recordFrom = 0n;
    let end = BigInt(Number.MAX_SAFE_INTEGER) * 1000n;
    let recording = false;
    let cpuAtStart = process.cpuUsage();
    let roundTripsAtStart = roundTrips();
    let requests = 0;
    let errors = 0;
    let firstError: string | null = null;

    const noteError = (message: string) => {
      errors += 1;
      firstError ??= message;
    };

    // The window opens on a timer rather than inside a worker, so the parent
    // hears about it on time and samples the server over the same window.
    const warmup = setTimeout(() => {
      recording = true;
      recordFrom = process.hrtime.bigint();
      end = recordFrom + BigInt(Math.round(plan.seconds * 1e9));
      cpuAtStart = process.cpuUsage();
      roundTripsAtStart = roundTrips();
      send({ type: 'recording' });
    }, plan.warmupSeconds * 1000);

    const worker = async () => {
      for (;;) {
        const begun = process.hrtime.bigint();
        if (begun >= end) return;
        let failure: string | null;
        try {
          failure = await driver.operation();
        } catch (error) {
          failure = error instanceof Error ? error.message : String(error);
        }
        const elapsed = process.hrtime.bigint() - begun;
        if (!recording || begun < recordFrom) continue;
        requests += 1;
        histogram.record(elapsed > 0n ? elapsed : 1n);
        if (failure !== null) noteError(failure);
      }
    };
    await Promise.all(Array.from({ length: plan.connections }, worker));
    clearTimeout(warmup);
    const cpu = process.cpuUsage(cpuAtStart);
    const roundTripsMade = roundTrips() - roundTripsAtStart;
    const seconds = Number(process.hrtime.bigint() - recordFrom) / 1e9;
    const ms = (ns: number) => ns / 1e6;
    return {
      requests,
      errors,
      firstError,
      seconds,
      requestsPerSecond: requests / seconds,
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
