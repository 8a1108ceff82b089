// Running workflows: the transitions available to the caller
// (GET /api/records/{type}/{id}/transitions) and performing one
// (POST .../transitions/{key}), for members, API keys and timers.
//
// A transition is one transaction (records.withLockedRecord): the record is
// locked (so concurrent transitions on one record queue up, and the loser
// finds the record no longer in the transition's `from` state: 409), the
// engine decides over the facts read in that transaction, and the decision is
// applied whole: the record's fields and state (updateLocked: PATCH's
// validation, audit entry `record.transitioned` and event), the old stay's
// timers cancelled and the new stay's armed, the effects (child records,
// notifications, outbox events) and the history entry. A refusal, or any
// effect that fails, writes nothing.
//
// External guards are HTTP calls, so they never run inside that transaction
// (a lock must not wait on the network). The transaction runs first without
// their answers; when the other guards pass and external ones are still to
// be asked, it ends having written nothing, the guards are asked (cached,
// see guards/external-guards.ts), and the transaction runs again with the
// answers, which hold only for the record version they were given for: a
// record changed in between is 409 transition-record-changed.
import { actorId, type TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import type { LockedRecord, RecordsService, RecordView, WorkflowColumns } from '../records/index.ts';
import type { CompiledWorkflow } from './core/compile.ts';
import type { Decision, ExternalAnswer, Refusal } from './core/decision.ts';
import { transitionOf, type TransitionDefinition } from './core/definition.ts';
import { availableTransitions, decide, slaView } from './core/engine.ts';
import { applyEffects, timerSummary } from './effects/apply-effects.ts';
import { pendingCalls, withAnswers, type Answers, type Step } from './guards/ask-external.ts';
import { ExternalGuards } from './guards/external-guards.ts';
import { guardKey, guardSecretText } from './guards/guard-secret.ts';
import { cancelTimers, historyActor, queueHistory, queueTimers } from './state-entry.ts';
import { FactsPrefetch, Registries, transitionContext, type ContextRequest, type TransitionContext } from './transition-context.ts';
import { TransitionErrors } from './transitions.errors.ts';
import type { TransitionList, TransitionView } from './transitions.schemas.ts';
import { LOCK_TIMER, MARK_TIMER } from './transitions.sql.ts';
import { WorkflowVersions } from './workflow-versions.ts';

export interface TransitionsOptions {
  /** The server secret external guard keys are derived from (the API key secret, shared by every process). */
  readonly secret: string;
  /** The clock: the instant a transition happens (state_entered_at, SLAs, history). */
  readonly clock?: () => Date;
  readonly guards?: ExternalGuards;
  /** External guards may call loopback and private addresses (TESSERA_GUARD_PRIVATE_ADDRESSES); default false. */
  readonly allowPrivateGuardAddresses?: boolean;
}

/** A timer performing its transition (the timer worker): the system acts, and the timer is marked in the same transaction. */
export interface TimerRun {
  readonly id: string;
  /** The stay the timer was armed in: it fires only while the record is still there. */
  readonly state: string;
  readonly stateEnteredAt: Date;
  /** The instant the transition happens (the worker's clock); default: the service's clock. */
  readonly now?: Date;
}

export interface PerformOptions {
  readonly ifMatch?: string;
  readonly timer?: TimerRun;
}

export type PerformOutcome =
  | {
      readonly outcome: 'performed';
      readonly record: RecordView;
      readonly version: number;
      readonly transition: { readonly key: string; readonly from: string; readonly to: string; readonly history_id: string };
    }
  /** Timers only: the timer was handled already, the record left its stay, or the transition was refused (the timer is marked skipped). */
  | { readonly outcome: 'skipped'; readonly reason: string };

function problemOf(refusal: Refusal, state: string): AppError {
  switch (refusal.reason) {
    case 'unknown-transition':
      return new AppError(TransitionErrors['transition-not-found'], refusal.message);
    case 'not-from-state':
      return new AppError(TransitionErrors['transition-not-available'], refusal.message, [], { state });
    case 'final-state':
      return new AppError(TransitionErrors['record-in-final-state'], refusal.message, [], { state });
    case 'guard-failed':
      return new AppError(TransitionErrors['transition-guard-failed'], refusal.message, [], { guards: refusal.guards ?? [] });
    case 'invalid-input':
      return new AppError(PlatformErrors['validation-failed'], refusal.message, refusal.errors ?? []);
  }
}

export class TransitionsService {
  private readonly versions = new WorkflowVersions();
  private readonly registries = new Registries();
  private readonly clock: () => Date;
  readonly guards: ExternalGuards;

  /**
   * `_db` is the one the records service runs on: every transaction of a
   * transition goes through records.withLockedRecord, so none is opened here.
   */
  constructor(
    _db: Database,
    private readonly records: RecordsService,
    private readonly options: TransitionsOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.guards = options.guards ?? new ExternalGuards({ secret: options.secret, allowPrivateAddresses: options.allowPrivateGuardAddresses ?? false });
  }

  /** The organisation's external guard key, as `whsec_<base64>` (gestores read it to verify guard calls). */
  guardSecret(call: TenantCall): string {
    return guardSecretText(guardKey(this.options.secret, call.scope.tenantId));
  }

  // --- GET /api/records/{type}/{id}/transitions

  async list(call: TenantCall, type: string, id: string): Promise<TransitionList> {
    // Transitions change the record: without `update` on it, each shows allowed: false with the reason.
    let denied: string | null = null;
    const run = (answers: Answers | null) => {
      const prefetch = new FactsPrefetch(call, this.registries, { transitions: leaving(null), forDecision: false });
      return this.records.withLockedRecord(call, type, id, { action: denied === null ? 'update' : 'read', lock: false, alongside: prefetch.alongside }, (tx, locked) =>
        this.listLocked(tx, call, locked, answers, denied, prefetch),
      );
    };
    // The listing asks external guards once; answers given for another version are not shown (the guards read "not evaluated").
    const changedMeanwhile = (): never => {
      throw new Error('unreachable: a listing asks its external guards once');
    };
    try {
      return await withAnswers(this.guards, run, changedMeanwhile);
    } catch (error) {
      if (!(error instanceof AppError) || error.definition.status !== 403 || denied !== null) throw error;
      denied = error.detail;
      return withAnswers(this.guards, run, changedMeanwhile);
    }
  }

  private async listLocked(
    tx: TenantTx,
    call: TenantCall,
    locked: LockedRecord,
    answers: Answers | null,
    denied: string | null,
    prefetch: FactsPrefetch,
  ): Promise<Step<TransitionList>> {
    const context = await transitionContext(
      tx,
      call,
      locked,
      this.versions,
      this.registries,
      { transitions: leaving(locked.row.state), forDecision: false, now: this.clock() },
      prefetch,
    );
    const current = answers !== null && answers.version === context.record.version ? answers : null;
    const base = availableTransitions(context.compiled, context.record, context.actor, context.facts);
    const calls = base.flatMap((available) => pendingCalls(context, call, available.key, available.guards, {}, answers !== null));
    if (calls.length > 0 && denied === null) return { kind: 'ask', version: context.record.version, calls };
    const listed = base.map((available): TransitionView => {
      const external = current?.byTransition.get(available.key);
      const evaluated = external
        ? (availableTransitions(context.compiled, context.record, context.actor, { ...context.facts, external }).find((entry) => entry.key === available.key) ?? available)
        : available;
      const view: TransitionView = { ...evaluated, guards: [...evaluated.guards], input: [...evaluated.input] };
      return denied === null ? view : { ...view, allowed: false, reason: denied };
    });
    const stateDefinition = context.compiled.states.get(context.record.state);
    return {
      kind: 'done',
      value: {
        state: context.record.state,
        state_category: stateDefinition?.category ?? locked.row.state_category ?? 'new',
        workflow_key: context.compiled.key,
        workflow_version: context.compiled.version,
        transitions: listed,
      },
    };
  }

  // --- POST /api/records/{type}/{id}/transitions/{key}, and timers

  /**
   * Performs one transition. Members and API keys get the outcome
   * 'performed' or a problem (refusals, 412, 404). With `options.timer` the
   * system acts (no permission check; role and team guards pass) and a
   * refusal is an outcome, not an error: the timer row is locked first
   * (FOR UPDATE SKIP LOCKED) and marked `fired` or `skipped` in the same
   * transaction, so a timer fires at most once.
   */
  async perform(call: TenantCall, type: string, id: string, key: string, input: unknown, options: PerformOptions = {}): Promise<PerformOutcome> {
    const timer = options.timer;
    const lock = { ...(options.ifMatch === undefined ? {} : { ifMatch: options.ifMatch }), system: timer !== undefined, ...(timer ? { timerId: timer.id } : {}) };
    const run = (answers: Answers | null) => {
      const prefetch = new FactsPrefetch(call, this.registries, { transitions: only(key), forDecision: true });
      return this.records.withLockedRecord(call, type, id, { ...lock, alongside: prefetch.alongside }, (tx, locked) =>
        this.performLocked(tx, call, locked, key, input, timer, answers, prefetch),
      );
    };
    return withAnswers(this.guards, run, () => {
      throw new AppError(TransitionErrors['transition-record-changed'], 'The record kept changing while its external guards were asked; send the transition again.');
    });
  }

  private async performLocked(
    tx: TenantTx,
    call: TenantCall,
    locked: LockedRecord,
    key: string,
    input: unknown,
    timer: TimerRun | undefined,
    answers: Answers | null,
    prefetch: FactsPrefetch,
  ): Promise<Step<PerformOutcome>> {
    const { row } = locked;
    const done = (value: PerformOutcome): Step<PerformOutcome> => ({ kind: 'done', value });
    if (timer) {
      // The timer first: a timer another worker holds, or one handled already, is not this run's to fire.
      const held = (await tx.query<{ id: string }>(LOCK_TIMER, [timer.id])).rows[0];
      if (!held) return done({ outcome: 'skipped', reason: 'the timer was handled already' });
      if (row.state !== timer.state || row.state_entered_at?.getTime() !== timer.stateEnteredAt.getTime()) {
        return done(this.skipTimer(tx, timer, 'the record left the state the timer was armed in'));
      }
    }
    if (answers !== null && answers.version !== row.version && !timer) {
      // The answers were given for another version of the record: they do not hold for this one.
      throw new AppError(TransitionErrors['transition-record-changed'], `The record changed (now version ${row.version}) while its external guards were asked; send the transition again.`, [], {
        current_version: row.version,
      });
    }
    // A timer asks again instead (at most ATTEMPTS runs).
    const current = answers !== null && answers.version === row.version ? answers : null;
    const now = timer?.now ?? this.clock();
    const context = await transitionContext(tx, call, locked, this.versions, this.registries, { transitions: only(key), forDecision: true, now }, prefetch);
    const external = current?.byTransition.get(key) ?? new Map<number, ExternalAnswer>();
    const answer = decide(context.compiled, context.record, context.actor, key, input ?? {}, { ...context.facts, external });
    if (!answer.ok) {
      if (answer.refusal.reason === 'guard-failed') {
        const calls = pendingCalls(context, call, key, answer.refusal.guards ?? [], input, current !== null);
        if (calls.length > 0) return { kind: 'ask', version: row.version, calls };
      }
      if (timer) return done(this.skipTimer(tx, timer, answer.refusal.message));
      throw problemOf(answer.refusal, context.record.state);
    }
    const transition = context.compiled.transitions.get(key)?.definition;
    if (!transition) throw problemOf({ reason: 'unknown-transition', message: `no transition ${key}` }, context.record.state);
    if (!timer) return done(await this.apply(tx, call, locked, context, transition, answer.decision, false));
    // A timer's transition whose effects are refused (a value that does not validate) marks the timer skipped instead.
    await tx.query('savepoint workflow_timer');
    try {
      queueMark(tx, timer.id, 'fired', null);
      const performed = await this.apply(tx, call, locked, context, transition, answer.decision, true);
      await tx.query('release savepoint workflow_timer');
      return done(performed);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      await tx.query('rollback to savepoint workflow_timer');
      return done(this.skipTimer(tx, timer, error.detail));
    }
  }

  private skipTimer(tx: TenantTx, timer: TimerRun, reason: string): PerformOutcome {
    queueMark(tx, timer.id, 'skipped', reason);
    return { outcome: 'skipped', reason };
  }

  /** Applies a decision in the locked record's transaction: state and fields, timers, effects, history. */
  private async apply(
    tx: TenantTx,
    call: TenantCall,
    locked: LockedRecord,
    context: TransitionContext,
    transition: TransitionDefinition,
    decision: Decision,
    byTimer: boolean,
  ): Promise<PerformOutcome> {
    const { row } = locked;
    const now = context.facts.now;
    const compiled: CompiledWorkflow = context.compiled;
    const workflow: WorkflowColumns = {
      workflow_key: compiled.key,
      workflow_version: compiled.version,
      state: decision.to,
      state_category: decision.toCategory,
      state_entered_at: now,
      sla_due_at: decision.sla?.dueAt ?? null,
      sla_at_risk_at: decision.sla?.atRiskAt ?? null,
      sla_status: decision.sla ? 'ok' : null,
    };
    const updated = await this.records.updateLocked(tx, call, locked, decision.changes, workflow, {
      action: 'record.transitioned',
      extra: { transition: decision.transition, from: decision.from, to: decision.to, workflow_version: compiled.version },
    });
    // Leaving the state ends its stay: its timers go (a timer being fired was marked first, so it stays fired).
    cancelTimers(tx, [row.id]);
    queueTimers(tx, row.id, { state: decision.to, enteredAt: now }, decision.timers);
    const effects = await applyEffects(tx, call, this.records, transition, decision, {
      record: updated.record,
      transition: decision.transition,
      from: decision.from,
      to: decision.to,
      actor: { type: call.actor.type, id: actorId(call.actor) },
    });
    const left = slaView(row.sla_due_at, row.sla_at_risk_at, now);
    const historyId = newId();
    queueHistory(tx, [
      {
        id: historyId,
        recordId: row.id,
        typeKey: row.type_key,
        workflowKey: compiled.key,
        workflowVersion: compiled.version,
        transitionKey: decision.transition,
        kind: byTimer ? 'timeout' : 'transition',
        fromState: decision.from,
        toState: decision.to,
        ...historyActor(call.actor),
        input: decision.input,
        guards: decision.guards,
        effects: decision.timers.length > 0 ? [...effects, { kind: 'timers', timers: decision.timers.map(timerSummary) }] : effects,
        sla: left && row.sla_due_at ? { status: left.status, due_at: row.sla_due_at.toISOString() } : null,
        occurredAt: now,
        requestId: call.origin.requestId,
      },
    ]);
    return {
      outcome: 'performed',
      record: updated.record,
      version: updated.version,
      transition: { key: decision.transition, from: decision.from, to: decision.to, history_id: historyId },
    };
  }
}

/** The transition `key` alone (performing it). */
function only(key: string): ContextRequest['transitions'] {
  return (definition) => {
    const transition = transitionOf(definition, key);
    return transition ? [transition] : [];
  };
}

/** The transitions leaving `state` (the listing); the prefetch, before the record is read, asks for none (null). */
function leaving(state: string | null): ContextRequest['transitions'] {
  return (definition) => (state === null ? [] : definition.transitions.filter((transition) => transition.from.includes(state)));
}

function queueMark(tx: TenantTx, timerId: string, status: 'fired' | 'skipped', error: string | null): void {
  tx.queue(MARK_TIMER, [timerId, status, error === null ? null : error.slice(0, 1000)]);
}
