// The first publish of a workflow attaches its type's existing records (issue
// #6: "records created before any workflow get its initial state when it is
// first published"). Inside the publish's transaction, after
// LOCK_TYPE_CREATIONS_EXCLUSIVE: creations in flight have committed and new
// ones wait, then read the new stamp and start in the workflow themselves.
//
// One statement places every record (ATTACH_RECORDS: the records, a history
// entry each and the timers they all get alike). Every record enters at the
// same instant, so the SLA and the `after` timeouts are computed once; only
// timeouts `at` a date field of the record differ per record: when the
// initial state has any, the statement answers each record's data and those
// timers are planned per record and queued.
import type { EntityTypeDefinition } from '../entities/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import type { PublishedWorkflow } from './core/definition.ts';
import { stateOf } from './core/definition.ts';
import { enterState } from './core/engine.ts';
import {
  compileForEntry,
  engineRecordOf,
  entryFacts,
  historyActor,
  loadEntryFacts,
  needsCalendars,
  queueTimerBatches,
  type TimerBatch,
} from './state-entry.ts';
import { ATTACH_RECORDS } from './workflows.sql.ts';

/** A record id nothing has; the probe record that computes what every record gets alike. */
const PROBE_ID = '00000000-0000-7000-8000-000000000000';

/** Places the type's records that are in no workflow in `workflow`'s initial state; answers how many. */
export async function attachRecords(tx: TenantTx, call: TenantCall, workflow: PublishedWorkflow, type: EntityTypeDefinition, now: Date): Promise<number> {
  const initial = workflow.definition.initial;
  const compiled = compileForEntry(workflow, type);
  const facts = entryFacts(now, needsCalendars(workflow, initial) ? await loadEntryFacts(tx) : null);
  const record = (id: string, data: Readonly<Record<string, unknown>>) =>
    engineRecordOf({ id, type: type.key, version: 1, data, createdBy: null, updatedBy: null, createdAt: now, updatedAt: now }, initial, now);
  // With no data, timeouts `at` a field plan nothing: what is left is what every record gets.
  const common = enterState(compiled, initial, record(PROBE_ID, {}), facts, now);
  const atKeys = new Set((stateOf(workflow.definition, initial)?.timeouts ?? []).filter((timeout) => timeout.at !== undefined).map((timeout) => timeout.key));
  const actor = historyActor(call.actor);
  const { rows } = await tx.query<{ attached: number; records: { id: string; data: Record<string, unknown> }[] | null }>(ATTACH_RECORDS, [
    workflow.key,
    workflow.version,
    initial,
    common.category,
    now,
    common.sla?.dueAt ?? null,
    common.sla?.atRiskAt ?? null,
    common.sla ? 'ok' : null,
    type.key,
    actor.actorType,
    actor.actorId,
    call.origin.requestId,
    JSON.stringify(common.timers.map((timer) => ({ kind: timer.kind, transition_key: timer.transition, event_type: timer.event, due_at: timer.dueAt.toISOString() }))),
    atKeys.size > 0,
  ]);
  const attached = rows[0]?.attached ?? 0;
  if (atKeys.size > 0) {
    const batches: TimerBatch[] = (rows[0]?.records ?? []).map((placed) => ({
      recordId: placed.id,
      stay: { state: initial, enteredAt: now },
      timers: enterState(compiled, initial, record(placed.id, placed.data), facts, now).timers.filter((timer) => atKeys.has(timer.key)),
    }));
    queueTimerBatches(tx, batches);
  }
  return attached;
}
