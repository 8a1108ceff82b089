// The in-process index build worker: polls the queue of builds across
// organisations (index_builds_due), runs them one at a time, and sleeps
// `pollMs` when there is nothing to do. A change that queues a build wakes it
// at once. Any number of processes may run one: a build is claimed inside its
// organisation with FOR UPDATE SKIP LOCKED, and a claim whose heartbeat lapses
// (a process that died) is taken over and resumed. stop() lets the current
// batch finish, gives the build back and resolves: shutdown never waits for a
// whole build.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Database } from '../../platform/db/database.ts';
import { PollingLoop } from '../../platform/polling-loop.ts';
import { BuildRunner, type BuildLogger, type RunOutcome } from './build-runner.ts';
import { DUE } from './index-builds.sql.ts';

export interface IndexBuildWorkerOptions {
  /** Sleep between polls when the queue is empty. */
  readonly pollMs: number;
  /** Records per batch. */
  readonly batch: number;
  /** Seconds after which another worker takes over a build whose worker stopped renewing it. */
  readonly leaseSeconds?: number;
  /** Identifies this worker in claims; unique by default. */
  readonly workerId?: string;
  /** Called with each build this worker claims and what became of it (tests, metrics). */
  readonly onBuild?: (build: { tenantId: string; buildId: string; outcome: RunOutcome }) => void;
}

const DUE_PER_POLL = 10;

export class IndexBuildWorker {
  private readonly runner: BuildRunner;
  private readonly leaseSeconds: number;
  private readonly loop: PollingLoop;

  constructor(
    private readonly db: Database,
    private readonly options: IndexBuildWorkerOptions,
    private readonly log: BuildLogger,
  ) {
    this.leaseSeconds = options.leaseSeconds ?? 60;
    const workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.loop = new PollingLoop(options.pollMs, () => this.poll(), (error) => this.log.warn({ err: error }, 'index build worker: could not read the queue'));
    this.runner = new BuildRunner(db, { workerId, batch: options.batch, leaseSeconds: this.leaseSeconds, lockTimeout: '500ms' }, log, () => this.loop.stopping);
  }

  start(): void {
    this.loop.start();
  }

  /** Look at the queue now (a build was just queued in this process). */
  wake(): void {
    this.loop.wake();
  }

  /** Finishes the current batch, gives its build back, and stops. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One poll of the queue; true when a build moved on (more may be waiting). */
  private async poll(): Promise<boolean> {
    let progressed = false;
    const { rows } = await this.db.global.query<{ tenant_id: string; build_id: string }>(DUE, [this.leaseSeconds, DUE_PER_POLL]);
    for (const row of rows) {
      if (this.loop.stopping) break;
      const outcome = await this.runner.run(row.tenant_id, row.build_id);
      this.options.onBuild?.({ tenantId: row.tenant_id, buildId: row.build_id, outcome });
      // Released builds (organisation suspended, database trouble) wait for the next poll.
      if (outcome === 'ready' || outcome === 'failed' || outcome === 'cancelled') progressed = true;
    }
    return progressed;
  }
}
