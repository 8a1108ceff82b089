// Where new records of a type with a published workflow start: the initial
// state of its latest version (issue #6, "Running"). Computed before the
// insert (the state columns travel in the insert itself), while the stay's
// timers and the history entries (kind 'create') are queued to travel with
// the transaction's next statement or its COMMIT: creating a record in a
// workflow costs no extra round trip, unless the initial state has an SLA or
// timeouts, which need the organisation's calendars (one statement).
//
// Every record of one insert enters at the same instant, so they share their
// SLA (due and at-risk instants depend on the instant and the calendar only)
// and the state columns are written once for the whole insert; timers `at` a
// field's date differ per record and are planned per record.
import type { TenantCall } from '../platform/context.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { enterState } from '../workflows/core/engine.ts';
import {
  compileForEntry,
  engineRecordOf,
  entryFacts,
  historyActor,
  loadEntryFacts,
  needsCalendars,
  queueHistory,
  queueTimerBatches,
  timerSummary,
  type TimerBatch,
} from '../workflows/state-entry.ts';
import type { WorkflowColumns } from './record-row.ts';
import type { TypeState } from './type-state.ts';

export interface NewRecordsPlacement {
  /** What INSERT_RECORDS_GUARDED writes in every new record. */
  readonly columns: WorkflowColumns;
  /** Queues the timers and history entries of the records once they are stored. */
  queue(tx: TenantTx, stored: readonly { id: string }[]): void;
}

/**
 * Places new records of the type (ids and validated data in the same order)
 * in the initial state of its latest workflow version; null when the type
 * has no published workflow.
 */
export async function placeNewRecords(
  tx: TenantTx,
  call: TenantCall,
  state: TypeState,
  records: readonly { id: string; data: Readonly<Record<string, unknown>> }[],
  now: Date,
): Promise<NewRecordsPlacement | null> {
  const workflow = state.workflow;
  if (!workflow || records.length === 0) return null;
  const compiledWorkflow = compileForEntry(workflow, state.definition);
  const initial = workflow.definition.initial;
  const facts = entryFacts(now, needsCalendars(workflow, initial) ? await loadEntryFacts(tx) : null);
  const userId = call.scope.userId;
  const entries = records.map((record) => ({
    id: record.id,
    entered: enterState(
      compiledWorkflow,
      initial,
      engineRecordOf({ id: record.id, type: state.type, version: 1, data: record.data, createdBy: userId, updatedBy: userId, createdAt: now, updatedAt: now }, initial, now),
      facts,
      now,
    ),
  }));
  const first = entries[0]?.entered;
  if (!first) return null;
  const columns: WorkflowColumns = {
    workflow_key: workflow.key,
    workflow_version: workflow.version,
    state: initial,
    state_category: first.category,
    state_entered_at: now,
    sla_due_at: first.sla?.dueAt ?? null,
    sla_at_risk_at: first.sla?.atRiskAt ?? null,
    sla_status: first.sla ? 'ok' : null,
  };
  return {
    columns,
    queue(tx, stored) {
      const ids = new Set(stored.map((record) => record.id));
      const placed = entries.filter((entry) => ids.has(entry.id));
      const batches: TimerBatch[] = placed.map((entry) => ({ recordId: entry.id, stay: { state: initial, enteredAt: now }, timers: entry.entered.timers }));
      queueTimerBatches(tx, batches);
      queueHistory(
        tx,
        placed.map((entry) => ({
          recordId: entry.id,
          typeKey: state.type,
          workflowKey: workflow.key,
          workflowVersion: workflow.version,
          transitionKey: null,
          kind: 'create' as const,
          fromState: null,
          toState: initial,
          ...historyActor(call.actor),
          input: null,
          guards: [],
          effects: entry.entered.timers.length > 0 ? [{ kind: 'timers', timers: entry.entered.timers.map(timerSummary) }] : [],
          sla: null,
          occurredAt: now,
          requestId: call.origin.requestId,
        })),
      );
    },
  };
}
