// Acts on one due timer inside its organisation, as the system:
// - 'transition': performs the timer's transition through the transitions
//   service, which locks the record, then the timer (SKIP LOCKED), checks the
//   stay, and marks the timer in the transaction that performs it;
// - 'sla_at_risk' / 'sla_breached': moves records.sla_status, with an outbox
//   event and an audit entry by the system;
// - 'event': writes an outbox event named by the timer.
// Whatever happens, a timer acts at most once: its mark ('fired' or 'skipped')
// commits with the action, and only the worker holding its row lock acts.
// A failure (anything thrown) is counted on the timer and retried later with
// a backoff, up to a bound; one bad timer never stops the others.
import { queueAudit } from '../../audit/index.ts';
import { queueEvents } from '../../events/index.ts';
import type { TenantCall } from '../../platform/context.ts';
import type { Database } from '../../platform/db/database.ts';
import type { TenantScope, TenantTx } from '../../platform/db/tenant-database.ts';
import { LOCK_RECORD, LOCK_TIMER, MARK_FAILED, MARK_FIRED, MARK_SKIPPED, MARK_SLA, READ_TIMER, SCOPE } from './timers.sql.ts';

/** The timer's stay: the transition runs only if the record is still there. */
export interface TimerStay {
  readonly id: string;
  readonly state: string;
  readonly stateEnteredAt: Date;
  /** The instant the transition happens: the worker's clock. */
  readonly now: Date;
}

/**
 * What the worker needs of the transitions service (TransitionsService
 * fits): with `timer`, perform() marks the timer itself and answers an
 * outcome instead of throwing for refusals.
 */
export interface TimedTransitions {
  perform(
    call: TenantCall,
    type: string,
    id: string,
    key: string,
    input: Readonly<Record<string, unknown>>,
    options: { readonly timer: TimerStay },
  ): Promise<{ readonly outcome: string }>;
}

export interface TimerLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

/**
 * fired: acted (and marked fired); skipped: marked skipped (the record moved
 * on, the transition was refused, or the timer gave up after its last
 * attempt); lost: nothing to do (another worker has it or had it);
 * retry: failed, counted, due again later.
 */
export type TimerOutcome = 'fired' | 'skipped' | 'lost' | 'retry';

export interface RunnerOptions {
  /** Attempts before a failing timer is given up ('skipped' with its last error). */
  readonly maxAttempts: number;
}

type TimerKind = 'transition' | 'sla_at_risk' | 'sla_breached' | 'event';

interface TimerRow {
  id: string;
  kind: TimerKind;
  record_id: string;
  transition_key: string | null;
  event_type: string | null;
  state: string;
  state_entered_at: Date;
  due_at: Date;
  attempts: number;
  type_key: string;
}

interface LockedTimerRow {
  id: string;
  kind: TimerKind;
  record_id: string;
  event_type: string | null;
  state: string;
  state_entered_at: Date;
  due_at: Date;
  type_key: string;
  record_state: string | null;
  workflow_key: string | null;
  workflow_version: number | null;
  sla_status: string | null;
  sla_due_at: Date | null;
  in_stay: boolean;
}

/** Seconds before attempt n + 1 of a failing timer: 10 s, 40 s, 160 s, ... at most an hour. */
export function backoffSeconds(attempts: number): number {
  return Math.min(3600, 10 * 4 ** Math.max(0, attempts - 1));
}

/** The system acting inside an organisation: no user, no role; the request id names the timer (audit entries, logs). */
export function systemCall(tenantId: string, timerId: string): TenantCall {
  return {
    scope: { tenantId, userId: null, role: null },
    actor: { type: 'system' },
    origin: { requestId: `timer:${timerId}`, ip: null },
    role: null,
  };
}

export class TimerRunner {
  constructor(
    private readonly db: Database,
    private readonly transitions: TimedTransitions,
    private readonly options: RunnerOptions,
    private readonly log: TimerLogger,
  ) {}

  async run(tenantId: string, timerId: string, now: Date): Promise<TimerOutcome> {
    const scope: TenantScope = { tenantId, userId: null, role: null };
    let timer: TimerRow | undefined;
    try {
      timer = await this.db.tenant.transaction(scope, async (tx) => {
        tx.queue(SCOPE, [timerId]);
        const { rows } = await tx.query<TimerRow>(READ_TIMER, [timerId]);
        return rows[0];
      });
      if (!timer) return 'lost';
      if (timer.kind === 'transition') return await this.transition(tenantId, timer, now);
      return await this.db.tenant.transaction(scope, (tx) => this.mark(tx, timerId, now));
    } catch (error) {
      return this.failed(scope, timerId, timer, now, error);
    }
  }

  /** The transitions service locks, checks the stay, performs and marks, in one transaction. */
  private async transition(tenantId: string, timer: TimerRow, now: Date): Promise<TimerOutcome> {
    if (timer.transition_key === null) throw new Error('transition timer without a transition_key');
    const { outcome } = await this.transitions.perform(systemCall(tenantId, timer.id), timer.type_key, timer.record_id, timer.transition_key, {}, {
      timer: { id: timer.id, state: timer.state, stateEnteredAt: timer.state_entered_at, now },
    });
    if (outcome === 'fired' || outcome === 'performed') return 'fired';
    // 'skipped' and anything else: the service marked it (or another worker had it).
    return outcome === 'lost' ? 'lost' : 'skipped';
  }

  /** SLA marks and timer events: record locked, then the timer; the action and the mark are queued with the COMMIT. */
  private async mark(tx: TenantTx, timerId: string, now: Date): Promise<TimerOutcome> {
    tx.queue(SCOPE, [timerId]);
    tx.queue(LOCK_RECORD, [timerId]);
    const { rows } = await tx.query<LockedTimerRow>(LOCK_TIMER, [timerId]);
    const timer = rows[0];
    if (!timer) return 'lost';
    if (!timer.in_stay) {
      tx.queue(MARK_SKIPPED, [timerId, `the record left the stay (now in ${timer.record_state ?? 'no state'})`]);
      return 'skipped';
    }
    const system = systemCall(tx.scope.tenantId, timerId);
    const record = { id: timer.record_id, type: timer.type_key };
    if (timer.kind === 'event') {
      if (timer.event_type === null) throw new Error('event timer without an event_type');
      queueEvents(tx, [
        {
          type: timer.event_type,
          subject: { type: 'record', id: timer.record_id },
          payload: { type: timer.type_key, record: { ...record, state: timer.state }, timer: { id: timerId, due_at: timer.due_at.toISOString() } },
        },
      ]);
    } else {
      const status = timer.kind === 'sla_breached' ? 'breached' : 'at_risk';
      // A late at_risk mark never undoes a breach.
      if (status === 'at_risk' && timer.sla_status === 'breached') {
        tx.queue(MARK_SKIPPED, [timerId, 'the SLA is already breached']);
        return 'skipped';
      }
      tx.queue(MARK_SLA, [timerId, status]);
      const sla = { status, due_at: timer.sla_due_at?.toISOString() ?? null, previous_status: timer.sla_status };
      const position = { state: timer.state, workflow_key: timer.workflow_key, workflow_version: timer.workflow_version };
      queueAudit(tx, [
        {
          actor: system.actor,
          action: `record.sla_${status}`,
          target: { type: 'record', id: timer.record_id },
          before: { sla_status: timer.sla_status },
          after: { sla_status: status, sla_due_at: sla.due_at, ...position },
          origin: system.origin,
        },
      ]);
      queueEvents(tx, [
        { type: `record.sla_${status}`, subject: { type: 'record', id: timer.record_id }, payload: { type: timer.type_key, record: { ...record, ...position }, sla, timer: { id: timerId } } },
      ]);
    }
    tx.queue(MARK_FIRED, [timerId, now.toISOString()]);
    return 'fired';
  }

  /** Counts the failure on the timer (its own transaction): retried after a backoff, or given up past the bound. */
  private async failed(scope: TenantScope, timerId: string, timer: TimerRow | undefined, now: Date, error: unknown): Promise<TimerOutcome> {
    const message = error instanceof Error ? error.message : String(error);
    const attempts = (timer?.attempts ?? 0) + 1;
    const retryAt = new Date(now.getTime() + backoffSeconds(attempts) * 1000);
    const context = { timer_id: timerId, tenant_id: scope.tenantId, kind: timer?.kind, record_id: timer?.record_id, attempts };
    try {
      const { rows } = await this.db.tenant.query<{ status: string; attempts: number }>(scope, MARK_FAILED, [
        timerId,
        message.slice(0, 1000),
        retryAt.toISOString(),
        this.options.maxAttempts,
      ]);
      // Settled meanwhile (another worker, or a transition cancelled it): nothing to count.
      if (!rows[0]) return 'lost';
      const gaveUp = rows[0].status === 'skipped';
      this.log.warn({ ...context, err: error, gave_up: gaveUp, retry_at: gaveUp ? null : retryAt.toISOString() }, gaveUp ? 'workflow timer given up' : 'workflow timer failed');
      return gaveUp ? 'skipped' : 'retry';
    } catch (markError) {
      // The database is unreachable or the organisation was suspended: the timer stays due and is seen again.
      this.log.warn({ ...context, err: error, mark_error: markError instanceof Error ? markError.message : String(markError) }, 'workflow timer failed');
      return 'retry';
    }
  }
}
