// Moving in-flight records between published versions of a workflow
// (POST /api/workflows/{key}/migrate). Publishing never moves records: a
// record stays on the version it started on until it is final, unless a
// gestor migrates it here. In-flight: on `from_version` and not in one of its
// final states.
//
// Each record gets the state the state map names (a state left out keeps its
// key), that state's category in the new version, and the new state's SLA and
// timers. A record whose state key is unchanged keeps its stay
// (state_entered_at), so its SLA is not restarted: due instants are computed
// from when it entered; SLA marks already past are not armed again (the
// status is set from the clock instead, so no at-risk or breached event is
// sent twice), while timeouts already past are armed and fire at once. A
// record whose state changes starts a new stay now. The old stay's pending
// timers are cancelled, the records' versions (ETags) bumped, a history entry
// (kind 'migrate') written per record, and one audit entry and event for the
// whole migration: all in one transaction, under the locks transitions take.
import type { EntityTypeDefinition } from '../entities/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import type { StateCategory, WorkflowDefinition } from './core/definition.ts';
import { enterState, slaView } from './core/engine.ts';
import {
  cancelTimers,
  compileForEntry,
  engineRecordOf,
  entryFacts,
  historyActor,
  loadEntryFacts,
  needsCalendars,
  queueHistory,
  queueTimerBatches,
  timerSummary,
  type HistoryEntry,
  type TimerBatch,
} from './state-entry.ts';
import { COUNT_IN_FLIGHT, LOCK_IN_FLIGHT, MOVE_RECORDS } from './workflows.sql.ts';

export interface Move {
  readonly from_state: string;
  readonly to_state: string;
  readonly records: number;
}

export interface MigrationPlan {
  readonly key: string;
  readonly type: EntityTypeDefinition;
  readonly from: { readonly version: number; readonly definition: WorkflowDefinition };
  readonly to: { readonly version: number; readonly definition: WorkflowDefinition };
  /** Every non-final state of `from` → a state of `to` (validateStateMap). */
  readonly map: ReadonlyMap<string, string>;
}

interface InFlightRow {
  id: string;
  type_key: string;
  data: Record<string, unknown>;
  version: number;
  state: string;
  state_entered_at: Date | null;
  sla_due_at: Date | null;
  sla_at_risk_at: Date | null;
  sla_status: string | null;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
}

/** The states of `from` whose records are in flight. */
export function inFlightStates(definition: WorkflowDefinition): string[] {
  return definition.states.filter((state) => state.final !== true).map((state) => state.key);
}

/** Moves per (from state → to state), in the order of `from`'s states. */
function movesOf(plan: MigrationPlan, counts: ReadonlyMap<string, number>): Move[] {
  return inFlightStates(plan.from.definition)
    .filter((state) => (counts.get(state) ?? 0) > 0)
    .map((state) => ({ from_state: state, to_state: plan.map.get(state) ?? state, records: counts.get(state) ?? 0 }));
}

/** The dry run: what a migration would move, with no write. */
export async function countMoves(tx: TenantTx, plan: MigrationPlan): Promise<Move[]> {
  const { rows } = await tx.query<{ state: string; records: number }>(COUNT_IN_FLIGHT, [plan.key, plan.from.version, inFlightStates(plan.from.definition)]);
  return movesOf(plan, new Map(rows.map((row) => [row.state, row.records])));
}

/** Moves the in-flight records; answers the moves made. */
export async function moveRecords(tx: TenantTx, call: TenantCall, plan: MigrationPlan, now: Date): Promise<Move[]> {
  const { rows } = await tx.query<InFlightRow>(LOCK_IN_FLIGHT, [plan.key, plan.from.version, inFlightStates(plan.from.definition)]);
  if (rows.length === 0) return [];
  const published = { key: plan.key, version: plan.to.version, definition: plan.to.definition };
  const compiled = compileForEntry(published, plan.type);
  const targets = [...new Set(rows.map((row) => plan.map.get(row.state) ?? row.state))];
  const facts = entryFacts(now, targets.some((state) => needsCalendars(published, state)) ? await loadEntryFacts(tx) : null);
  const actor = historyActor(call.actor);
  const counts = new Map<string, number>();
  const moved: Record<string, unknown>[] = [];
  const batches: TimerBatch[] = [];
  const history: HistoryEntry[] = [];
  for (const row of rows) {
    counts.set(row.state, (counts.get(row.state) ?? 0) + 1);
    const target = plan.map.get(row.state) ?? row.state;
    const kept = target === row.state && row.state_entered_at !== null;
    const enteredAt = kept && row.state_entered_at ? row.state_entered_at : now;
    const record = engineRecordOf(
      { id: row.id, type: row.type_key, version: row.version, data: row.data, createdBy: row.created_by, updatedBy: row.updated_by, createdAt: row.created_at, updatedAt: row.updated_at },
      target,
      enteredAt,
    );
    const entered = enterState(compiled, target, record, facts, enteredAt);
    const sla = entered.sla;
    const status = sla ? (slaView(sla.dueAt, sla.atRiskAt, now)?.status ?? 'ok') : null;
    // A kept stay's SLA marks already past are reflected in the status, not fired again.
    const timers = entered.timers.filter((timer) => !(kept && (timer.kind === 'sla_at_risk' || timer.kind === 'sla_breached') && timer.dueAt <= now));
    moved.push({
      id: row.id,
      state: target,
      state_category: entered.category satisfies StateCategory,
      state_entered_at: enteredAt.toISOString(),
      sla_due_at: sla?.dueAt.toISOString() ?? null,
      sla_at_risk_at: sla?.atRiskAt.toISOString() ?? null,
      sla_status: status,
    });
    batches.push({ recordId: row.id, stay: { state: target, enteredAt }, timers });
    history.push({
      recordId: row.id,
      typeKey: row.type_key,
      workflowKey: plan.key,
      workflowVersion: plan.to.version,
      transitionKey: null,
      kind: 'migrate',
      fromState: row.state,
      toState: target,
      ...actor,
      input: null,
      guards: [],
      effects: [{ kind: 'migrate', from_version: plan.from.version, to_version: plan.to.version, kept_stay: kept, timers: timers.map(timerSummary) }],
      sla: row.sla_due_at ? { status: row.sla_status, due_at: row.sla_due_at.toISOString() } : null,
      occurredAt: now,
      requestId: call.origin.requestId,
    });
  }
  await tx.query(MOVE_RECORDS, [JSON.stringify(moved), plan.to.version]);
  cancelTimers(tx, rows.map((row) => row.id));
  queueTimerBatches(tx, batches);
  queueHistory(tx, history);
  return movesOf(plan, counts);
}

