// What a type change does to index entries, inside the change's transaction
// (the type's row is locked): forget the completeness of fields dropped or
// rebuilt, cancel their obsolete builds, and build the entries of fields
// newly indexed or unique at once (a small type) or queue background builds
// (src/entities/index-builds/worker.ts). docs/entities.md, "Index builds".
import { isPgError } from '../../platform/db/sqlstate.ts';
import type { TenantTx } from '../../platform/db/tenant-database.ts';
import { newId } from '../../platform/ids.ts';
import type { EntityTypeDefinition } from '../core/definitions.ts';
import { UniqueValues, type UniqueConflict } from './core/entries.ts';
import { buildPlace, planIndexChanges, type ChangeMode } from './core/plan.ts';
import { entriesOf, lockBatch, writeFieldEntries } from './field-entries.ts';
import { CANCEL_LIVE, DELETE_FINISHED, ENQUEUE, FORGET_COMPLETE, KEYS_BEFORE, MARK_COMPLETE, MORE_RECORDS_THAN } from './index-builds.sql.ts';

/** Records read and locked per statement by a build. */
export const BUILD_BATCH = 1000;
/**
 * How long a build inside a change waits for a record another request has
 * locked. Beyond it the build goes to the background instead: the change
 * holds the type's lock, and a writer holding a record may be waiting for
 * that lock (a bulk request creating after updating), so waiting longer could
 * only end in a deadlock.
 */
const REQUEST_LOCK_TIMEOUT = '200ms';
const CONFLICTS_SHOWN = 5;

export interface IndexChange {
  readonly type: string;
  /** The version the change made current. */
  readonly version: number;
  readonly before: EntityTypeDefinition | null;
  readonly after: EntityTypeDefinition;
  readonly mode: ChangeMode;
}

export interface IndexChangeResult {
  /** Background builds queued (the worker should look now). */
  readonly enqueued: number;
  /** Values repeated in fields made unique, found by the build in the request: the change must be refused. */
  readonly conflicts: UniqueConflict[];
  /** The build in the request met repeated unique values (even when it could not name them). */
  readonly refused: boolean;
}

const NONE: IndexChangeResult = { enqueued: 0, conflicts: [], refused: false };

type InRequest = { kind: 'built' } | { kind: 'busy' } | { kind: 'repeated'; conflicts: UniqueConflict[] };

/**
 * Builds the entries of `fields` for every record of the type, in batches of
 * locked records, inside a savepoint. Stops at the first repeated value of a
 * unique field. A record lock not granted within REQUEST_LOCK_TIMEOUT undoes
 * the build ('busy').
 */
async function buildInRequest(tx: TenantTx, type: string, definition: EntityTypeDefinition, fields: readonly string[]): Promise<InRequest> {
  const { rows } = await tx.query<{ timeout: string }>(`select current_setting('lock_timeout') as timeout`);
  const previous = rows[0]?.timeout ?? '0';
  await tx.query('savepoint index_build');
  await tx.query(`select set_config('lock_timeout', $1, true)`, [REQUEST_LOCK_TIMEOUT]);
  const values = new UniqueValues();
  let outcome: InRequest = { kind: 'built' };
  try {
    let after: string | null = null;
    for (;;) {
      const batch = await lockBatch(tx, type, after, BUILD_BATCH);
      const entries = entriesOf(definition, fields, batch);
      values.add(entries);
      const conflicts = values.conflicts(CONFLICTS_SHOWN);
      if (conflicts.length > 0) {
        outcome = { kind: 'repeated', conflicts };
        break;
      }
      await writeFieldEntries(tx, type, fields, batch, entries);
      if (batch.length < BUILD_BATCH) break;
      after = batch[batch.length - 1]!.id;
    }
    await tx.query('release savepoint index_build');
  } catch (error) {
    if (!isPgError(error) || (error.code !== '55P03' && error.code !== '23505')) throw error;
    await tx.query('rollback to savepoint index_build');
    // 23505 without a repeat among the records read: a value equal to another
    // only as the index compares it; the caller reports it without a value.
    outcome = error.code === '55P03' ? { kind: 'busy' } : { kind: 'repeated', conflicts: values.conflicts(CONFLICTS_SHOWN) };
  }
  await tx.query(`select set_config('lock_timeout', $1, true)`, [previous]);
  return outcome;
}

export async function applyIndexChanges(tx: TenantTx, change: IndexChange, requestMax: number): Promise<IndexChangeResult> {
  const { type } = change;
  let plan = planIndexChanges(change.before, change.after);
  const touched = [...plan.drop, ...plan.build];
  if (touched.length === 0) return NONE;
  if (change.mode === 'change' && plan.build.length > 0) {
    const earlier = await tx.query<{ key: string }>(KEYS_BEFORE, [type, change.version]);
    plan = planIndexChanges(change.before, change.after, new Set(earlier.rows.map((row) => row.key)));
  }
  // Listings stop using these fields' entries now: dropped, or about to be rewritten.
  await tx.query(FORGET_COMPLETE, [type, touched]);
  const fresh = new Set(plan.fresh);
  const built = plan.build.filter((field) => !fresh.has(field));
  let over = false;
  if (change.mode === 'change' && requestMax > 0 && built.length > 0) {
    over = (await tx.query<{ more: boolean }>(MORE_RECORDS_THAN, [type, requestMax])).rows[0]?.more === true;
  }
  let place = buildPlace(change.mode, plan, requestMax, over);
  if (place === 'request') {
    const outcome = await buildInRequest(tx, type, change.after, built);
    if (outcome.kind === 'repeated') return { enqueued: 0, conflicts: outcome.conflicts, refused: true };
    if (outcome.kind === 'busy') place = 'background';
  }
  // Builds of these fields made for an earlier definition are obsolete now.
  await tx.query(DELETE_FINISHED, [type, touched]);
  await tx.query(CANCEL_LIVE, [type, touched]);
  if (place === 'complete' || place === 'request') {
    await tx.query(MARK_COMPLETE, [type, plan.build]);
    return NONE;
  }
  if (place !== 'background') return NONE;
  if (plan.fresh.length > 0) await tx.query(MARK_COMPLETE, [type, plan.fresh]);
  await tx.query(ENQUEUE, [type, change.version, built.map(() => newId()), built]);
  return { enqueued: built.length, conflicts: [], refused: false };
}
