// Runs one background build: claim it, wait until no transaction older than
// the claim is open, then fill the field's entries in short batches, each its
// own transaction (lock the type's key share, lock ~1,000 records, rewrite
// their entries of the field, record progress), and finally mark the field
// complete and the build ready in the last batch's transaction.
import type { Database } from '../../platform/db/database.ts';
import { isPgError } from '../../platform/db/sqlstate.ts';
import type { TenantScope, TenantTx } from '../../platform/db/tenant-database.ts';
import type { EntityTypeDefinition } from '../core/definitions.ts';
import { indexedFields } from '../../records/core/index-values.ts';
import { UniqueValues } from './core/entries.ts';
import { failureAction } from './core/plan.ts';
import { SELECT_TYPE } from '../entity-types.sql.ts';
import { addTakenValues, entriesOf, lockBatch, writeFieldEntries } from './field-entries.ts';
import {
  BUILD_STATE,
  CANCEL,
  CLAIM,
  COUNT_TOTAL,
  ENTER_BUILD,
  FAIL,
  FINISH,
  HEARTBEAT,
  MARK_COMPLETE,
  OLDER_TRANSACTIONS,
  PROGRESS,
  RELEASE,
  SHARE_TYPE,
} from './index-builds.sql.ts';

export interface BuildLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

export interface RunnerOptions {
  readonly workerId: string;
  /** Records per batch (and per transaction). */
  readonly batch: number;
  /** A claim whose heartbeat is older than this is taken over by another worker. */
  readonly leaseSeconds: number;
  /** How long a batch waits for a record lock before it gives way to the writer and tries again (shorter than deadlock_timeout). */
  readonly lockTimeout: string;
}

/** lost: another worker has it, or it was cancelled before it could start. */
export type RunOutcome = 'lost' | 'ready' | 'failed' | 'cancelled' | 'released' | 'stopped';

interface Claimed {
  readonly id: string;
  readonly scope: TenantScope;
  readonly type: string;
  readonly field: string;
}

type Step = 'more' | 'lost' | 'ready' | 'failed' | 'cancelled';

const RETRIES = 20;
/**
 * The longest wait for older transactions. Writes are short; what stays open
 * longer is a long read (a streamed query), which cannot remove entries, so
 * past this the build starts anyway.
 */
const OLDER_TRANSACTIONS_WAIT_MS = 5 * 60_000;
const CONFLICTS_SHOWN = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class BuildRunner {
  constructor(
    private readonly db: Database,
    private readonly options: RunnerOptions,
    private readonly log: BuildLogger,
    private readonly stopping: () => boolean,
  ) {}

  async run(tenantId: string, buildId: string): Promise<RunOutcome> {
    // The organisation is entered with no user, as an API key would be; the
    // first statement of each transaction then widens visibility to every record.
    const scope: TenantScope = { tenantId, userId: null, role: null };
    // claimed_at as text: microseconds matter when comparing with transaction starts.
    const { rows } = await this.db.tenant.query<{ type_key: string; field_key: string; claimed_at: string }>(scope, CLAIM, [
      buildId,
      this.options.workerId,
      this.options.leaseSeconds,
    ]);
    if (!rows[0]) return 'lost';
    const build: Claimed = { id: buildId, scope, type: rows[0].type_key, field: rows[0].field_key };
    const context = { build_id: buildId, tenant_id: tenantId, entity_type: build.type, field: build.field };
    try {
      if (!(await this.waitForOlderTransactions(build, rows[0].claimed_at))) return await this.release(build);
      const counted = await this.retrying(() =>
        this.inBuild(build, async (tx) => {
          await tx.query(COUNT_TOTAL, [build.id, build.type]);
          return 'more' as const;
        }),
      ).catch((error: unknown) => {
        // Only a progress figure: a type too large to count within the statement timeout is built without it.
        if (isPgError(error) && error.code === '57014') return 'more' as const;
        throw error;
      });
      if (counted !== 'more') return counted;
      for (;;) {
        if (this.stopping()) return await this.release(build);
        const step = await this.retrying(() => this.batch(build));
        if (step === 'more') continue;
        if (step !== 'lost') this.log.info({ ...context, outcome: step }, `index build ${step}`);
        return step;
      }
    } catch (error) {
      const action = failureAction(isPgError(error) ? error.code : undefined);
      this.log.warn({ ...context, err: error, action }, 'index build interrupted');
      if (action !== 'fail') return await this.release(build).catch(() => 'released' as const);
      await this.db.tenant.query(scope, FAIL, [build.id, `internal error: ${(error as Error).message}`, null]).catch(() => undefined);
      return 'failed';
    }
  }

  /** Runs `step` again after a deadlock or lock timeout (the builder gives way to writers), a bounded number of times. */
  private async retrying<T>(step: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        const action = failureAction(isPgError(error) ? error.code : undefined);
        if (action !== 'retry' || attempt >= RETRIES || this.stopping()) throw error;
        await sleep(20 * attempt + Math.floor(Math.random() * 30));
      }
    }
  }

  /** A transaction of the build: entered as the builder; nothing happens if the build is no longer this worker's. */
  private inBuild<T extends Step>(build: Claimed, work: (tx: TenantTx) => Promise<T>): Promise<T | 'lost'> {
    return this.db.tenant.transaction(build.scope, async (tx) => {
      const { rows } = await tx.query<{ ok: boolean }>(ENTER_BUILD, [build.id, this.options.workerId, this.options.lockTimeout]);
      return rows[0]?.ok === true ? work(tx) : 'lost';
    });
  }

  /**
   * A write that read the type's definition before the change committed may
   * still rewrite a record's entries without the field, after a batch has
   * passed it. Every transaction open before the claim (which follows the
   * change's commit) is waited for; later ones read the new definition.
   */
  private async waitForOlderTransactions(build: Claimed, since: string): Promise<boolean> {
    const started = Date.now();
    let beat = started;
    for (;;) {
      const { rows } = await this.db.global.query<{ open: number }>(OLDER_TRANSACTIONS, [since]);
      if ((rows[0]?.open ?? 0) === 0) return true;
      if (this.stopping()) return false;
      if (Date.now() - started > OLDER_TRANSACTIONS_WAIT_MS) {
        this.log.warn({ build_id: build.id, open: rows[0]?.open }, 'index build: transactions older than the claim still open; starting anyway');
        return true;
      }
      await sleep(50);
      if (Date.now() - beat > (this.options.leaseSeconds * 1000) / 4) {
        await this.db.tenant.query(build.scope, HEARTBEAT, [build.id, this.options.workerId]);
        beat = Date.now();
      }
    }
  }

  private batch(build: Claimed): Promise<Step> {
    return this.inBuild(build, async (tx) => {
      await tx.query(SHARE_TYPE, [build.type]);
      // Under the key share lock no type change commits until this transaction ends.
      const state = (await tx.query<{ status: string; claimed_by: string | null; last_record_id: string | null }>(BUILD_STATE, [build.id])).rows[0];
      if (state?.status !== 'building' || state.claimed_by !== this.options.workerId) return 'lost';
      const definition = (await tx.query<{ definition: EntityTypeDefinition }>(SELECT_TYPE, [build.type])).rows[0]?.definition;
      if (!definition || !indexedFields(definition).some((field) => field.key === build.field)) {
        await tx.query(CANCEL, [build.id]);
        return 'cancelled';
      }
      const records = await lockBatch(tx, build.type, state.last_record_id, this.options.batch);
      const entries = entriesOf(definition, [build.field], records);
      const values = new UniqueValues();
      values.add(entries);
      let repeated = values.conflicts(1).length > 0;
      if (!repeated) {
        await tx.query('savepoint index_batch');
        try {
          await writeFieldEntries(tx, build.type, [build.field], records, entries);
          await tx.query('release savepoint index_batch');
        } catch (error) {
          if (!isPgError(error) || error.code !== '23505') throw error;
          await tx.query('rollback to savepoint index_batch');
          repeated = true;
        }
      }
      if (repeated) {
        await addTakenValues(tx, build.type, values, records, entries);
        const conflicts = values.conflicts(CONFLICTS_SHOWN);
        const shown = conflicts.map((conflict) => JSON.stringify(conflict.value)).join(', ');
        const error = `field ${build.field} is unique but several records hold the same value${conflicts.length > 0 ? `: ${shown}` : ''}`;
        await tx.query(FAIL, [build.id, error, JSON.stringify(conflicts)]);
        return 'failed';
      }
      await tx.query(PROGRESS, [build.id, records.length, records.at(-1)?.id ?? null]);
      if (records.length === this.options.batch) return 'more';
      await tx.query(MARK_COMPLETE, [build.type, [build.field]]);
      await tx.query(FINISH, [build.id]);
      return 'ready';
    });
  }

  /** Gives the build back for another worker (or a later round) to resume. */
  private async release(build: Claimed): Promise<'released' | 'stopped'> {
    await this.db.tenant.query(build.scope, RELEASE, [build.id, this.options.workerId]);
    return this.stopping() ? 'stopped' : 'released';
  }
}
