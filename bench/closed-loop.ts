// The closed loop every load generator runs: `connections` workers each send
// one operation, wait for it, and send the next. Nothing is recorded during
// the warm-up; the measured window opens on a timer (so the parent hears
// about it on time and samples the server over the same window) and lasts
// `seconds`. Operations answer null, or a failure message.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export interface LoopOptions {
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Called when the measured window opens (tell the parent; take CPU and round-trip baselines). */
  readonly onRecording?: () => void;
}

export interface LoopOutcome {
  /** Operations started inside the window and completed. */
  readonly operations: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** Length of the measured window. */
  readonly seconds: number;
  /** Latency of each operation, in nanoseconds. */
  readonly histogram: RecordableHistogram;
}

export async function closedLoop(operation: (worker: number) => Promise<string | null>, options: LoopOptions): Promise<LoopOutcome> {
  const histogram = createHistogram({ lowest: 1, highest: 120e9, figures: 3 });
  // Set when the warm-up ends; until then nothing is recorded and the loop never stops.
  let recordFrom = 0n;
  let end = BigInt(Number.MAX_SAFE_INTEGER) * 1000n;
  let recording = false;
  let operations = 0;
  let errors = 0;
  let firstError: string | null = null;
  const warmup = setTimeout(() => {
    recording = true;
    recordFrom = process.hrtime.bigint();
    end = recordFrom + BigInt(Math.round(options.seconds * 1e9));
    options.onRecording?.();
  }, options.warmupSeconds * 1000);
  const worker = async (index: number) => {
    for (;;) {
      const begun = process.hrtime.bigint();
      if (begun >= end) return;
      let failure: string | null;
      try {
        failure = await operation(index);
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      const elapsed = process.hrtime.bigint() - begun;
      if (!recording || begun < recordFrom) continue;
      operations += 1;
      histogram.record(elapsed > 0n ? elapsed : 1n);
      if (failure !== null) {
        errors += 1;
        firstError ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, index) => worker(index)));
  clearTimeout(warmup);
  return { operations, errors, firstError, seconds: Number(process.hrtime.bigint() - recordFrom) / 1e9, histogram };
}
