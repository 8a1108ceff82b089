// Bulk create's fast path (POST /api/records/{type}/bulk with new records
// only): every item is validated first (its references and members checked
// for all items in two statements at most), then the valid ones are stored
// together: one guarded multi-row insert of the records, then their links,
// index entries, user refs, audit entries and events in one statement each,
// queued to travel with the COMMIT. A handful of round trips whatever the
// number of items. Invalid items are answered 422 by index, exactly as the
// per-item path answers them.
//
// A type with a published workflow: the records start in its initial state
// (workflow-placement.ts), the state columns in the same insert, timers and
// history entries queued with the rest.
//
// A unique value already taken (or repeated inside the request), or a
// referenced record deleted meanwhile, fails the whole transaction here; the
// caller then runs the per-item path, which names the items concerned.
import type { TenantCall } from '../platform/context.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors, type FieldError } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import { validateCreate, type RecordBody } from './core/validate-record.ts';
import { queueUserRefs } from './access.ts';
import { queueIndexEntries } from './index-entries.ts';
import { externalProblemsByItem } from './record-checks.ts';
import { queueChanges } from './record-changes.ts';
import { toView, type RecordRow } from './record-row.ts';
import { ruleProblems } from './related-records.ts';
import type { BulkResult } from './records.schemas.ts';
import { INSERT_LINKS, INSERT_RECORDS_GUARDED, LOCK_TYPE_CREATIONS } from './records.sql.ts';
import { workflowStamp, type Stamp, type StateUse } from './type-state.ts';
import { placeNewRecords } from './workflow-placement.ts';
import { SELECT_STAMP } from './type-state.sql.ts';

/** The 422 of an invalid item, as the API states it. */
export function invalid(errors: readonly FieldError[]): AppError {
  const detail = `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`;
  return new AppError(PlatformErrors['validation-failed'], detail, errors);
}

/** A link whose target was deleted since it was checked (record_links' foreign key). */
export function isLinkViolation(error: unknown): boolean {
  return isPgError(error) && error.code === '23503' && error.constraint === 'record_links_to_fkey';
}

/** Creates the valid items in the caller's transaction; the caller has checked that it may create. */
export async function createMany(tx: TenantTx, call: TenantCall, use: StateUse, bodies: readonly RecordBody[], now: Date): Promise<BulkResult['results']> {
  const { type, definition, version, revision } = use.state;
  const validations = bodies.map((body) => validateCreate(definition, body));
  const external = await externalProblemsByItem(
    tx,
    validations.map((validation) => validation.references),
    validations.map((validation) => validation.users),
  );
  const ids = bodies.map(() => newId());
  const results: BulkResult['results'] = [];
  const valid: number[] = [];
  // Where the records start in the type's workflow (computed for the items whose fields are sound; the same columns for all).
  const sound = validations.flatMap((validation, index) =>
    validation.errors.length === 0 && (external[index] ?? []).length === 0 ? [{ id: ids[index] as string, data: validation.data }] : [],
  );
  const placement = await placeNewRecords(tx, call, use.state, sound, now);
  for (const [index, validation] of validations.entries()) {
    const errors = [...validation.errors, ...(external[index] ?? [])];
    if (errors.length === 0) {
      const subject = { id: ids[index] as string, type, data: validation.data, workflow: placement?.columns ?? null };
      errors.push(...(await ruleProblems(tx, definition, subject, call.scope.userId)));
    }
    if (errors.length === 0) {
      valid.push(index);
      continue;
    }
    const problem = invalid(errors);
    results[index] = { index, status: 422, detail: problem.detail, errors: problem.errors.map(({ pointer, message }) => ({ pointer, message })) };
  }
  if (valid.length === 0) {
    // Nothing to write: the answers still rest on the state, which a stamp must confirm.
    use.confirm((await tx.query<Stamp>(SELECT_STAMP, [type])).rows[0]);
    return results;
  }
  tx.queue(LOCK_TYPE_CREATIONS, [type]);
  const { rows } = await tx.query<Stamp & RecordRow>(INSERT_RECORDS_GUARDED, [
    type,
    version,
    valid.map((index) => ids[index]),
    JSON.stringify(valid.map((index) => validations[index]?.data)),
    call.scope.userId,
    revision,
    workflowStamp(use.state),
    placement ? JSON.stringify(placement.columns) : null,
  ]);
  use.confirm(rows[0]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const stored = valid.map((index) => byId.get(ids[index] as string) as RecordRow);
  const links = valid.flatMap((index) => (validations[index]?.references ?? []).map((ref) => ({ ...ref, from: ids[index] as string })));
  if (links.length > 0) tx.queue(INSERT_LINKS, [links.map((l) => l.from), links.map((l) => l.field), links.map((l) => l.id), links.map((l) => l.position)]);
  queueIndexEntries(tx, new Map([[type, definition]]), stored, true);
  queueUserRefs(tx, definition, stored, true);
  placement?.queue(tx, stored);
  const views = stored.map((row) => toView(row, definition, now));
  queueChanges(tx, call, views.map((record) => ({ action: 'record.created' as const, before: null, after: record })));
  stored.forEach((row, position) => {
    const index = valid[position] as number;
    results[index] = { index, status: 201, id: row.id, version: row.version };
  });
  return results;
}
