// The workflow engine: a pure function from (compiled definition, record,
// actor, input, facts incl. the clock) to a Decision or a Refusal. No I/O,
// no Date.now(), no randomness: the same inputs always give the same answer
// (property-tested in engine.property.test.ts). The service gathers the
// facts, asks, and applies the Decision in one transaction.
import { NoWorkingTimeError, addWorkingTime } from './calendar.ts';
import type { CompiledWorkflow } from './compile.ts';
import type {
  EngineActor, EngineAnswer, EngineFacts, EngineRecord, Refusal, TimerPlan, TransitionAvailability,
} from './decision.ts';
import { effectKind, type StateCategory } from './definition.ts';
import { parseDuration } from './duration.ts';
import { applyEffects, calendarFor, timerDue } from './effects.ts';
import { evaluateGuards } from './guards.ts';
import { checkInput } from './input.ts';

/** When an SLA turns at_risk when the state does not say: 80 % of `within` elapsed. */
export const DEFAULT_AT_RISK = 0.8;

export interface StateEntry {
  readonly category: StateCategory;
  readonly final: boolean;
  readonly sla: { readonly dueAt: Date; readonly atRiskAt: Date } | null;
  readonly timers: TimerPlan[];
}

/**
 * What entering `stateKey` at `enteredAt` means: its category, whether it is
 * final, its SLA (due and at-risk instants in working time of its calendar)
 * and its timers (SLA marks and timeouts). Used when a record is created,
 * attached on first publish, migrated, and by decide(). A state that is not
 * in the definition is a caller's bug: it throws.
 */
export function enterState(compiled: CompiledWorkflow, stateKey: string, record: EngineRecord, facts: EngineFacts, enteredAt: Date): StateEntry {
  const state = compiled.states.get(stateKey);
  if (!state) throw new Error(`workflow ${compiled.key} v${compiled.version} has no state ${stateKey}`);
  const timers: TimerPlan[] = [];
  let sla: StateEntry['sla'] = null;
  const within = state.sla ? parseDuration(state.sla.within) : null;
  if (state.sla && within) {
    const calendar = calendarFor(state.sla.calendar, facts);
    try {
      const dueAt = addWorkingTime(enteredAt, within.ms, calendar);
      const atRiskAt = addWorkingTime(enteredAt, Math.round(within.ms * (state.sla.at_risk ?? DEFAULT_AT_RISK)), calendar);
      sla = { dueAt, atRiskAt };
      timers.push({ kind: 'sla_at_risk', key: 'sla_at_risk', dueAt: atRiskAt }, { kind: 'sla_breached', key: 'sla_breached', dueAt });
    } catch (error) {
      // A calendar without working time in reach: the state has no due date (docs/workflows.md, "Time").
      if (!(error instanceof NoWorkingTimeError)) throw error;
    }
  }
  for (const timeout of state.timeouts ?? []) {
    const due = timerDue(timeout, record, record.data, facts, enteredAt);
    if ('due' in due) timers.push({ kind: 'transition', key: timeout.key, dueAt: due.due, transition: timeout.transition });
  }
  return { category: state.category, final: state.final === true, sla, timers };
}

function refuse(refusal: Refusal): EngineAnswer {
  return { ok: false, refusal };
}

/** The transitions leaving the record's state, each with its guards' results for this caller now (input not considered). */
export function availableTransitions(compiled: CompiledWorkflow, record: EngineRecord, actor: EngineActor, facts: EngineFacts): TransitionAvailability[] {
  const state = compiled.states.get(record.state);
  if (!state || state.final) return [];
  return (compiled.leaving.get(record.state) ?? []).flatMap((key) => {
    const transition = compiled.transitions.get(key);
    if (!transition) return [];
    const guards = evaluateGuards(compiled, transition, record, actor, {}, facts, 'preview');
    const { definition } = transition;
    return [{
      key,
      ...(definition.label === undefined ? {} : { label: definition.label }),
      to: definition.to,
      allowed: guards.every((guard) => guard.passed),
      guards,
      input: (definition.input ?? []).map((input) => ({ key: input.key, type: input.type, required: input.required === true })),
    }];
  });
}

/** Decides one transition: a refusal (unknown, final state, not from this state, invalid input, failing guards) or the decision to apply. */
export function decide(
  compiled: CompiledWorkflow, record: EngineRecord, actor: EngineActor, transitionKey: string, input: unknown, facts: EngineFacts,
): EngineAnswer {
  const transition = compiled.transitions.get(transitionKey);
  if (!transition) {
    const known = compiled.definition.transitions.map((candidate) => candidate.key);
    return refuse({ reason: 'unknown-transition', message: `workflow ${compiled.key} v${compiled.version} has no transition ${transitionKey}; its transitions are: ${known.join(', ') || '(none)'}` });
  }
  const current = compiled.states.get(record.state);
  if (current?.final) return refuse({ reason: 'final-state', message: `the record is in the final state ${record.state}: no transition leaves it` });
  const { definition } = transition;
  if (!current || !definition.from.includes(record.state)) {
    return refuse({ reason: 'not-from-state', message: `${transitionKey} leaves ${definition.from.join(', ')}; the record is in ${record.state}` });
  }
  const checked = checkInput(definition, input);
  if (!checked.ok) return refuse({ reason: 'invalid-input', message: `the input of ${transitionKey} is invalid`, errors: checked.errors });
  const guards = evaluateGuards(compiled, transition, record, actor, checked.input, facts, 'perform');
  if (!guards.every((guard) => guard.passed)) {
    const failed = guards.filter((guard) => !guard.passed).map((guard) => `guard ${guard.index} (${guard.kind}): ${guard.reason}`);
    return refuse({ reason: 'guard-failed', message: `${transitionKey} is not allowed: ${failed.join('; ')}`, guards });
  }
  const outcome = applyEffects({ compiled, transition: definition, record, actor, input: checked.input, facts });
  const after: EngineRecord = { ...record, data: { ...record.data, ...outcome.changes }, state: definition.to, stateEnteredAt: facts.now };
  const entry = enterState(compiled, definition.to, after, facts, facts.now);
  return {
    ok: true,
    decision: {
      transition: transitionKey,
      from: record.state,
      to: definition.to,
      toCategory: entry.category,
      final: entry.final,
      input: checked.input,
      guards,
      changes: outcome.changes,
      effects: outcome.effects,
      timers: [...entry.timers, ...outcome.timers],
      sla: entry.sla,
      effectKinds: (definition.effects ?? []).map(effectKind),
      ...(outcome.notes.length === 0 ? {} : { notes: outcome.notes }),
    },
  };
}

export type SlaStatus = 'ok' | 'at_risk' | 'breached';

/** The SLA as the record shows it at `now`: status from the clock, wall-clock seconds until due (negative after). */
export function slaView(slaDueAt: Date | null, slaAtRiskAt: Date | null, now: Date): { status: SlaStatus; remaining_seconds: number } | null {
  if (slaDueAt === null) return null;
  const remaining = slaDueAt.getTime() - now.getTime();
  const status: SlaStatus = remaining <= 0 ? 'breached' : slaAtRiskAt !== null && now.getTime() >= slaAtRiskAt.getTime() ? 'at_risk' : 'ok';
  return { status, remaining_seconds: Math.floor(remaining / 1000) };
}
