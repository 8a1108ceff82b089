// What entering (and leaving) a workflow state writes beside the record:
// the stay's timers (workflow_timers) and the history entry (record_history).
// Used by record creation (src/records), publishing and migration
// (workflows.service.ts), transitions (helper C) and the timer worker.
//
// Every writer here is queued on the caller's transaction (TenantTx.queue):
// one multi-row statement each, sent with the transaction's next statement or
// its COMMIT, so entering a state costs no round trip of its own and commits
// or rolls back with the change of state. Order is kept: cancel the old
// stay's timers before arming the new stay's.
//
// loadEntryFacts reads what the engine needs to place SLAs and timers (the
// organisation's time zone and its calendars) in one statement; callers ask
// only when the state entered has an SLA or timeouts.
import type { EntityTypeDefinition } from '../entities/index.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { newId } from '../platform/ids.ts';
import type { BusinessCalendar } from './core/calendar-types.ts';
import { calendarOf, parseCalendar } from './core/calendar.ts';
import { compileWorkflow, type CompiledWorkflow } from './core/compile.ts';
import type { EngineFacts, EngineRecord, GuardResult, TimerPlan } from './core/decision.ts';
import { stateOf, type PublishedWorkflow } from './core/definition.ts';

/** One stay's timers: the record and the stay they belong to (they fire only while the record is still in it). */
export interface TimerBatch {
  readonly recordId: string;
  readonly stay: { readonly state: string; readonly enteredAt: Date };
  readonly timers: readonly TimerPlan[];
}

const INSERT_TIMERS = `
  insert into workflow_timers (tenant_id, id, record_id, kind, transition_key, event_type, state, state_entered_at, due_at)
  select current_setting('app.tenant_id')::uuid, u.id, u.record_id, u.kind, u.transition_key, u.event_type, u.state, u.state_entered_at, u.due_at
  from jsonb_to_recordset($1::jsonb) as u(id uuid, record_id uuid, kind text, transition_key text, event_type text, state text,
    state_entered_at timestamptz, due_at timestamptz)`;

const CANCEL_TIMERS = `
  update workflow_timers set status = 'cancelled'
  where record_id = any($1::uuid[]) and status = 'pending'`;

/**
 * Arms timers of many stays in one queued statement; answers the timer ids
 * in order (batches, then timers). Nothing is queued when there are none.
 */
export function queueTimerBatches(tx: TenantTx, batches: readonly TimerBatch[]): string[] {
  const rows = batches.flatMap((batch) =>
    batch.timers.map((timer) => ({
      id: newId(),
      record_id: batch.recordId,
      kind: timer.kind,
      transition_key: timer.transition,
      event_type: timer.event,
      state: batch.stay.state,
      state_entered_at: batch.stay.enteredAt.toISOString(),
      due_at: timer.dueAt.toISOString(),
    })),
  );
  if (rows.length > 0) tx.queue(INSERT_TIMERS, [JSON.stringify(rows)]);
  return rows.map((row) => row.id);
}

/**
 * Arms the timers of one record's stay in a state (SLA marks, timeouts,
 * start_timer effects): one queued multi-row insert; answers their ids.
 * `stay.enteredAt` must be the value written to records.state_entered_at:
 * the worker fires a timer only while the record is still in that stay.
 */
export function queueTimers(tx: TenantTx, recordId: string, stay: { state: string; enteredAt: Date }, timers: readonly TimerPlan[]): string[] {
  return queueTimerBatches(tx, [{ recordId, stay, timers }]);
}

/** Cancels the pending timers of these records (they left the stay the timers belong to): one queued update. */
export function cancelTimers(tx: TenantTx, recordIds: readonly string[]): void {
  if (recordIds.length > 0) tx.queue(CANCEL_TIMERS, [recordIds]);
}

export type HistoryKind = 'create' | 'attach' | 'transition' | 'timeout' | 'migrate';

/** One row of record_history (every column but tenant_id, in camelCase). */
export interface HistoryEntry {
  /** Generated when absent. */
  readonly id?: string;
  readonly recordId: string;
  readonly typeKey: string;
  readonly workflowKey: string;
  readonly workflowVersion: number;
  /** null unless a transition (or a timeout performing one) wrote the entry. */
  readonly transitionKey: string | null;
  readonly kind: HistoryKind;
  readonly fromState: string | null;
  readonly toState: string;
  readonly actorType: 'user' | 'api_key' | 'operator' | 'system';
  readonly actorId: string | null;
  readonly input: Readonly<Record<string, unknown>> | null;
  readonly guards: readonly GuardResult[];
  /** What happened beyond the change of state: `[{ kind, ... }]`. */
  readonly effects: readonly Readonly<Record<string, unknown>>[];
  /** The SLA of the state left: `{ status, due_at }`, or null. */
  readonly sla: Readonly<Record<string, unknown>> | null;
  /** The database's now() when absent; pass the service clock's instant to keep history and state_entered_at equal. */
  readonly occurredAt?: Date;
  readonly requestId: string | null;
}

const INSERT_HISTORY = `
  insert into record_history (tenant_id, id, record_id, type_key, workflow_key, workflow_version, transition_key, kind,
    from_state, to_state, actor_type, actor_id, input, guards, effects, sla, occurred_at, request_id)
  select current_setting('app.tenant_id')::uuid, u.id, u.record_id, u.type_key, u.workflow_key, u.workflow_version, u.transition_key, u.kind,
    u.from_state, u.to_state, u.actor_type, u.actor_id, u.input, coalesce(u.guards, '[]'), coalesce(u.effects, '[]'), u.sla,
    coalesce(u.occurred_at, now()), u.request_id
  from jsonb_to_recordset($1::jsonb) as u(id uuid, record_id uuid, type_key text, workflow_key text, workflow_version integer,
    transition_key text, kind text, from_state text, to_state text, actor_type text, actor_id uuid, input jsonb, guards jsonb,
    effects jsonb, sla jsonb, occurred_at timestamptz, request_id text)`;

/** Appends history entries in one queued statement; answers their ids in order. */
export function queueHistory(tx: TenantTx, entries: readonly HistoryEntry[]): string[] {
  const rows = entries.map((entry) => ({
    id: entry.id ?? newId(),
    record_id: entry.recordId,
    type_key: entry.typeKey,
    workflow_key: entry.workflowKey,
    workflow_version: entry.workflowVersion,
    transition_key: entry.transitionKey,
    kind: entry.kind,
    from_state: entry.fromState,
    to_state: entry.toState,
    actor_type: entry.actorType,
    actor_id: entry.actorId,
    input: entry.input,
    guards: entry.guards,
    effects: entry.effects,
    sla: entry.sla,
    occurred_at: entry.occurredAt?.toISOString() ?? null,
    request_id: entry.requestId,
  }));
  if (rows.length > 0) tx.queue(INSERT_HISTORY, [JSON.stringify(rows)]);
  return rows.map((row) => row.id);
}

/** The actor columns of a history entry, from a call's actor (anonymous never writes). */
export function historyActor(actor: { readonly type: string; readonly id?: string }): Pick<HistoryEntry, 'actorType' | 'actorId'> {
  switch (actor.type) {
    case 'user':
    case 'api_key':
    case 'operator':
      return { actorType: actor.type, actorId: actor.id ?? null };
    default:
      return { actorType: 'system', actorId: null };
  }
}

// --- Calendars and the organisation's time zone, for SLAs and timers.

export interface EntryFacts {
  readonly timeZone: string;
  /** Every calendar the organisation stored, and the built-ins (stored rows override them). */
  readonly calendars: ReadonlyMap<string, BusinessCalendar>;
}

interface CalendarRow {
  key: string;
  time_zone: string | null;
  working_hours: unknown;
  holidays: unknown;
}

const SELECT_ENTRY_FACTS = `
  select coalesce((select time_zone from tenant_settings), 'UTC') as time_zone,
    coalesce((select json_agg(json_build_object('key', c.key, 'time_zone', c.time_zone, 'working_hours', c.working_hours, 'holidays', c.holidays))
      from business_calendars c), '[]'::json) as calendars`;

const BUILT_INS = ['24x7', 'business-hours'] as const;

/** The organisation's time zone and calendars (built-ins included), in one statement of the caller's transaction. */
export async function loadEntryFacts(tx: TenantTx): Promise<EntryFacts> {
  const row = (await tx.query<{ time_zone: string; calendars: CalendarRow[] }>(SELECT_ENTRY_FACTS)).rows[0];
  const timeZone = row?.time_zone ?? 'UTC';
  const calendars = new Map<string, BusinessCalendar>();
  for (const key of BUILT_INS) calendars.set(key, calendarOf(key, undefined, timeZone));
  for (const stored of row?.calendars ?? []) {
    // Stored rows were parsed when written; one that no longer parses counts as 24x7 (calendarOf's fallback).
    const parsed = parseCalendar({ time_zone: stored.time_zone, working_hours: stored.working_hours, holidays: stored.holidays });
    calendars.set(stored.key, calendarOf(stored.key, parsed.ok ? parsed.value : undefined, timeZone));
  }
  return { timeZone, calendars };
}

// --- Entering a state outside a transition (creation, attach, migration).

/** Compiled once per published version object and type definition (both immutable). */
const compiledForEntry = new WeakMap<PublishedWorkflow, WeakMap<EntityTypeDefinition, CompiledWorkflow>>();

/**
 * The workflow compiled for entering states: against its type alone (what
 * entering a state reads: SLA, timeouts, the record's own date fields).
 * Guards that reach other types compile to "broken" guards here, which
 * entering a state never evaluates. Transitions compile against the whole
 * registry (helper C's workflow-versions.ts).
 */
export function compileForEntry(workflow: PublishedWorkflow, type: EntityTypeDefinition): CompiledWorkflow {
  const byType = compiledForEntry.get(workflow) ?? new WeakMap<EntityTypeDefinition, CompiledWorkflow>();
  const known = byType.get(type);
  if (known) return known;
  const fresh = compileWorkflow(workflow, { type: (key) => (key === type.key ? type : undefined) });
  byType.set(type, fresh);
  compiledForEntry.set(workflow, byType);
  return fresh;
}

/** Whether entering `stateKey` places an SLA or timeouts (so the calendars must be read). */
export function needsCalendars(workflow: PublishedWorkflow, stateKey: string): boolean {
  const state = stateOf(workflow.definition, stateKey);
  return state !== undefined && (state.sla !== undefined || (state.timeouts ?? []).length > 0);
}

/** The engine's facts for entering a state: no related records, guard answers or team loads are read. */
export function entryFacts(now: Date, facts: EntryFacts | null): EngineFacts {
  return {
    now,
    timeZone: facts?.timeZone ?? 'UTC',
    related: [],
    external: new Map(),
    teamLoads: new Map(),
    calendars: facts?.calendars ?? new Map(),
  };
}

/** A record as the engine sees it in `state` since `enteredAt`. */
export function engineRecordOf(
  record: {
    id: string;
    type: string;
    version: number;
    data: Readonly<Record<string, unknown>>;
    createdBy: string | null;
    updatedBy: string | null;
    createdAt: Date;
    updatedAt: Date;
  },
  state: string,
  enteredAt: Date,
): EngineRecord {
  return { ...record, state, stateEnteredAt: enteredAt };
}

/** A timer as history entries record it. */
export function timerSummary(timer: TimerPlan): Record<string, unknown> {
  return {
    kind: timer.kind,
    key: timer.key,
    due_at: timer.dueAt.toISOString(),
    ...(timer.transition === undefined ? {} : { transition: timer.transition }),
    ...(timer.event === undefined ? {} : { event: timer.event }),
  };
}
