// The machine the figures come from, and how busy its CPUs were during a
// measured window (from /proc/stat, so Linux only; null elsewhere).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  commit: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function commit(): string {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty === '' ? hash : `${hash} (with uncommitted changes)`;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    commit: commit(),
  };
}

/** Cumulative CPU time of the whole machine, in clock ticks, and context switches. */
export interface CpuSample {
  busy: number;
  total: number;
  contextSwitches: number;
}

export function sampleCpu(): CpuSample | null {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    // cpu user nice system idle iowait irq softirq steal guest guest_nice
    const fields = (lines[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((value) => !Number.isFinite(value))) return null;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    const contextSwitches = Number(lines.find((line) => line.startsWith('ctxt '))?.slice(5) ?? Number.NaN);
    return { busy, total: busy + idle + iowait, contextSwitches };
  } catch {
    return null;
  }
}

export interface CpuDelta {
  /** Share of all CPUs that were busy, 0..1. */
  busy: number;
  /** Context switches on the whole machine (NaN when unknown). */
  contextSwitches: number;
}

export function cpuDelta(from: CpuSample | null, to: CpuSample | null): CpuDelta | null {
  if (from === null || to === null || to.total <= from.total) return null;
  return { busy: (to.busy - from.busy) / (to.total - from.total), contextSwitches: to.contextSwitches - from.contextSwitches };
}

/** How busy the machine is with nothing of ours running: others' load skews every figure. */
export async function backgroundBusy(milliseconds: number): Promise<number | null> {
  const from = sampleCpu();
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  return cpuDelta(from, sampleCpu())?.busy ?? null;
}
