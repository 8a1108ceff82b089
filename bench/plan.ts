// What bench/run.ts asks the load generator (a child process) to do, and what
// it answers. Everything here crosses the IPC channel, so plain data only.
import type { Statement } from '../src/platform/db/pipelined-query.ts';

export type Target =
  | {
      kind: 'http';
      url: string;
      headers: Record<string, string>;
      /** The preflight request's JSON `id` must equal this (null: skip the check). */
      expectId: string | null;
    }
  | {
      kind: 'sql';
      connectionString: string;
      poolSize: number;
      /** Sent in the same round trip as `main`, as the tenant helper does; empty means a plain pool.query. */
      preludes: Statement[];
      main: Statement;
      expectId: string;
    };

export interface LoadPlan {
  target: Target;
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

export interface LoadResult {
  /** Requests started inside the measured window and completed. */
  requests: number;
  errors: number;
  firstError: string | null;
  /** Length of the measured window. */
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** CPU time the load generator itself used during the window (user + system). */
  clientCpuMicros: number;
  /** Database round trips the load generator made during the window (SQL targets). */
  roundTrips: number;
}

export type ToChild = { type: 'run'; plan: LoadPlan };
export type FromChild =
  | { type: 'recording' }
  | { type: 'done'; result: LoadResult }
  | { type: 'failed'; message: string };
