// What every benchmark's parent process shares: its log line, its numeric
// settings from the environment, the clean-up steps run at exit (and on
// SIGINT/SIGTERM), and running one load generator in a child process while
// counting this process's (the server's) database round trips and CPU over
// the child's measured window.
import { fork, type Serializable } from 'node:child_process';
import { roundTrips } from './round-trips.ts';

export function benchLog(name: string): (line: string) => void {
  return (line) => console.error(`[${name}] ${line}`);
}

export function numberSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

export type CleanupStep = () => Promise<void> | void;

/** Steps pushed to `cleanups` run in reverse order by cleanup(), and on SIGINT/SIGTERM before exiting. */
export function cleanupOnExit(log: (line: string) => void): { cleanups: CleanupStep[]; cleanup(): Promise<void> } {
  const cleanups: CleanupStep[] = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        log(`cleanup: ${(error as Error).message}`);
      }
    }
    cleanups.length = 0;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  return { cleanups, cleanup };
}

/** What a load generator sends its parent. */
export type LoadMessage = { type: 'recording' } | { type: 'failed'; message: string } | { type: string };

/**
 * Forks `script` (a load generator), sends it `plan`, and answers its final
 * message with the server's round trips and CPU time counted from its
 * `recording` message (the start of its measured window) to that message.
 */
export function runLoad<M extends LoadMessage>(
  script: string,
  plan: Serializable,
  label: string,
): Promise<{ message: Exclude<M, { type: 'recording' } | { type: 'failed' }>; serverRoundTrips: number; serverCpuMicros: number }> {
  return new Promise((resolve, reject) => {
    let atStart = roundTrips();
    let cpuAtStart = process.cpuUsage();
    const child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (!settled) {
        settled = true;
        outcome();
      }
    };
    child.on('message', (message: M) => {
      if (message.type === 'recording') {
        atStart = roundTrips();
        cpuAtStart = process.cpuUsage();
      } else if (message.type === 'failed') {
        settle(() => reject(new Error(`${label}: ${(message as { message: string }).message}`)));
      } else {
        const cpu = process.cpuUsage(cpuAtStart);
        settle(() =>
          resolve({
            message: message as Exclude<M, { type: 'recording' } | { type: 'failed' }>,
            serverRoundTrips: roundTrips() - atStart,
            serverCpuMicros: cpu.user + cpu.system,
          }),
        );
      }
    });
    child.on('error', (error) => settle(() => reject(error)));
    child.on('exit', (code, signal) => settle(() => reject(new Error(`${label}: load generator exited (${signal ?? code}) without a result`))));
    child.send(plan);
  });
}
