// `npm run bench`: the foundation benchmark. Brings up a database (a
// throwaway one on DATABASE_URL, or an embedded PostgreSQL), starts the real
// server on a loopback port, signs up organisations, then drives a closed-loop
// load from a child process (bench/load.ts) against the API and against
// hand-written SQL baselines, and prints a Markdown report. With --write (or
// BENCH_WRITE=1) the report replaces the figures in docs/PERFORMANCE.md.
//
// Settings (environment): BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2),
// BENCH_CONNECTIONS (8, or a list such as 1,8), BENCH_ORGS (100),
// BENCH_ONLY (a list of scenario keys), BENCH_QUIET_WAIT_SECONDS (10: how
// long to wait for other work on the machine to stop before each scenario),
// TESSERA_DB_POOL_SIZE (4).
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBenchDatabase } from './database.ts';
import { startBenchServer } from './server.ts';
import { backgroundBusy, cpuDelta, machineInfo, sampleCpu } from './machine.ts';
import { measureMicroCosts } from './micro.ts';
import type { FromChild, LoadPlan, ToChild } from './plan.ts';
import { BACKGROUND_WARNING, renderMarkdown, writeFigures, type Report, type ScenarioRun } from './report.ts';
import { countRoundTrips, roundTrips } from './round-trips.ts';
import { buildScenarios, isScenarioKey, SCENARIO_KEYS, type Scenario } from './scenarios.ts';
import { createApiKey, SetupClient, signUpOrganisations, type Organisation } from './setup.ts';

const root = path.resolve(import.meta.dirname, '..');
const DOC = path.join(root, 'docs/PERFORMANCE.md');
const LOAD_SCRIPT = fileURLToPath(new URL('./load.ts', import.meta.url));

function log(line: string): void {
  console.error(`[bench] ${line}`);
}

function numberSetting(name: string, fallback: number, min: number, max: number, whole = false): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
    throw new Error(`${name} must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function listSetting(name: string, fallback: string): string[] {
  return (process.env[name]?.trim() || fallback)
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

const settings = {
  seconds: numberSetting('BENCH_SECONDS', 10, 1, 600),
  warmupSeconds: numberSetting('BENCH_WARMUP_SECONDS', 2, 0.1, 60),
  connections: listSetting('BENCH_CONNECTIONS', '8').map((value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1 || parsed > 256) throw new Error(`BENCH_CONNECTIONS: "${value}" is not a whole number from 1 to 256`);
    return parsed;
  }),
  organisations: numberSetting('BENCH_ORGS', 100, 1, 10_000, true),
  poolSize: numberSetting('TESSERA_DB_POOL_SIZE', 4, 1, 200, true),
  quietWaitSeconds: numberSetting('BENCH_QUIET_WAIT_SECONDS', 10, 0, 600),
  only: listSetting('BENCH_ONLY', SCENARIO_KEYS.join(',')).map((key) => {
    if (!isScenarioKey(key)) throw new Error(`BENCH_ONLY: unknown scenario "${key}" (known: ${SCENARIO_KEYS.join(', ')})`);
    return key;
  }),
  write: process.argv.includes('--write') || ['1', 'true', 'yes'].includes(process.env.BENCH_WRITE?.trim().toLowerCase() ?? ''),
};

let activeChild: ChildProcess | null = null;

/** On a shared machine, waits a little for others' work to pass: it would take CPU from the server, PostgreSQL and the load generator alike. */
async function waitForQuiet(): Promise<number | null> {
  const waitUntil = Date.now() + settings.quietWaitSeconds * 1000;
  let busy = await backgroundBusy(500);
  while (busy !== null && busy > BACKGROUND_WARNING && Date.now() < waitUntil) busy = await backgroundBusy(500);
  if (busy !== null && busy > BACKGROUND_WARNING) {
    log(`  warning: the CPUs were ${Math.round(busy * 100)} % busy before this scenario started (other work on the machine)`);
  }
  return busy;
}

/**
 * Forks the load generator for one scenario. Over its measured window (from
 * its 'recording' message to its result) samples this process's CPU and
 * database round trips, which are the server's, and the machine's CPU.
 */
async function measure(scenario: Scenario, connections: number): Promise<ScenarioRun> {
  const background = await waitForQuiet();
  const plan: LoadPlan = { target: scenario.target, connections, warmupSeconds: settings.warmupSeconds, seconds: settings.seconds };
  return new Promise((resolve, reject) => {
    const child = fork(LOAD_SCRIPT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    activeChild = child;
    let serverCpuAtStart = process.cpuUsage();
    let serverRoundTripsAtStart = roundTrips();
    let machineAtStart = sampleCpu();
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      activeChild = null;
      outcome();
    };
    child.on('message', (message: FromChild) => {
      if (message.type === 'recording') {
        serverCpuAtStart = process.cpuUsage();
        serverRoundTripsAtStart = roundTrips();
        machineAtStart = sampleCpu();
      } else if (message.type === 'done') {
        const serverCpu = process.cpuUsage(serverCpuAtStart);
        const run: ScenarioRun = {
          key: scenario.key,
          label: scenario.label,
          connections,
          result: message.result,
          serverCpuMicros: serverCpu.user + serverCpu.system,
          serverRoundTrips: roundTrips() - serverRoundTripsAtStart,
          machine: cpuDelta(machineAtStart, sampleCpu()),
          backgroundBusy: background,
        };
        settle(() => resolve(run));
      } else {
        settle(() => reject(new Error(`${scenario.label}: ${message.message}`)));
      }
    });
    child.on('error', (error) => settle(() => reject(error)));
    child.on('exit', (code, signal) => settle(() => reject(new Error(`${scenario.label}: load generator exited (${signal ?? code}) without a result`))));
    child.send({ type: 'run', plan } satisfies ToChild);
  });
}

// Cleanup runs in reverse order of setup, on success, failure or Ctrl-C.
const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    activeChild?.kill();
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        log(`cleanup: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  // Before the server creates its pools, so that its connections are counted.
  countRoundTrips();
  const database = await createBenchDatabase(log);
  cleanups.push(() => database.dispose());
  log(`Database ready (${database.source}, PostgreSQL ${database.serverVersion})`);

  const { built, config, base } = await startBenchServer(database, settings.poolSize, cleanups);
  log(`Server listening on ${base} (pool size ${settings.poolSize})`);

  log(`Signing up ${settings.organisations} organisations, one after another`);
  const client = new SetupClient(base);
  cleanups.push(() => client.close());
  const { organisations, latency: signup } = await signUpOrganisations(client, settings.organisations);
  const organisation = organisations[0] as Organisation;
  const apiKey = await createApiKey(client, organisation);
  client.close();

  const runs: ScenarioRun[] = [];
  const scenarios = buildScenarios({ base, database, organisation, apiKey, poolSize: settings.poolSize }).filter((scenario) =>
    settings.only.includes(scenario.key),
  );
  for (const connections of settings.connections) {
    for (const scenario of scenarios) {
      log(`${scenario.label}: ${connections} connections, ${settings.warmupSeconds} s warm-up + ${settings.seconds} s`);
      const run = await measure(scenario, connections);
      const { requestsPerSecond, p50Ms, p99Ms, errors } = run.result;
      log(`  ${Math.round(requestsPerSecond)} req/s, p50 ${p50Ms.toFixed(2)} ms, p99 ${p99Ms.toFixed(2)} ms, ${errors} errors`);
      runs.push(run);
    }
  }

  const report: Report = {
    date: new Date().toISOString().slice(0, 10),
    machine: machineInfo(),
    database: { source: database.source, version: database.serverVersion },
    poolSize: settings.poolSize,
    warmupSeconds: settings.warmupSeconds,
    seconds: settings.seconds,
    signup,
    micro: await measureMicroCosts(config, organisation, apiKey),
    runs,
  };
  const markdown = renderMarkdown(report);
  console.log(markdown);
  if (settings.write) {
    await writeFigures(DOC, markdown);
    log(`Figures written to ${path.relative(root, DOC)}`);
  }
  log(`Done in ${Math.round((Date.now() - startedAt) / 1000)} s`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  // After Ctrl-C the failure is only the interruption itself.
  if (cleaning === null) console.error(error);
} finally {
  await cleanup();
}
process.exit(exitCode);
