// Semantic checks of a (shape-checked) definition against the organisation:
// every problem with a JSON Pointer into the definition. Publishing refuses a
// definition with any of them. The checks:
// - structure: the entity type exists; `initial` is a state; state,
//   transition, input and timer keys are unique; `from` / `to` name states;
//   no transition leaves a final state;
// - reachability: every state is reachable from `initial`; some final state
//   is reachable from `initial`; and, stricter than "a path from the initial
//   state to a final one", every reachable non-final state can still reach a
//   final state (otherwise a record entering it could never finish);
// - guards (graph.ts has the graph, value-fit.ts the value checks): roles,
//   teams, conditions (type-checked as guards see them, see compile.ts),
//   `related` relations (its `states` are free text: the related type's
//   workflow is not known here; only `categories` are checked, by the parser);
// - effects: fields exist and are writable, values fit, `assign` targets a
//   user field, `create` names a type and a link back to this one, recipients
//   exist, timers perform transitions that leave the state they are armed in;
// - states: SLA and timeout calendars exist, timeouts perform transitions
//   leaving their state, `at` names a date or datetime field;
// - inputs: a reference input's target type exists.
import type { RegistrySnapshot } from '../../entities/core/definitions.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import { pointerTo } from '../../conditions/pointer.ts';
import { compileGuard } from './compile.ts';
import { ROLES, type Effect, type Guard, type TransitionDefinition, type WorkflowDefinition } from './definition.ts';
import { checkGraph } from './graph.ts';
import { checkValue, dateField, recipientProblem, typeFields } from './value-fit.ts';

export interface ValidationContext {
  readonly registry: RegistrySnapshot;
  /** Team names, lower-cased. */
  readonly teams: ReadonlySet<string>;
  /** Calendar keys, built-ins included. */
  readonly calendars: ReadonlySet<string>;
}

type Report = (pointer: string, message: string) => void;

function checkCalendar(key: string | undefined, pointer: string, context: ValidationContext, report: Report): void {
  if (key !== undefined && !context.calendars.has(key)) report(pointer, `is not a business calendar of this organisation: ${key}`);
}

function checkTeam(name: string, pointer: string, context: ValidationContext, report: Report): void {
  if (!context.teams.has(name.toLowerCase())) report(pointer, `is not a team of this organisation: ${name}`);
}

function checkGuard(guard: Guard, index: number, transition: TransitionDefinition, at: string, definition: WorkflowDefinition, context: ValidationContext, report: Report): void {
  if ('role' in guard) {
    guard.role.forEach((role, position) => {
      if (!ROLES.includes(role)) report(pointerTo(pointerTo(at, 'role'), position), `must be a role: ${ROLES.join(', ')}`);
    });
    return;
  }
  if ('team' in guard) {
    guard.team.forEach((team, position) => checkTeam(team, pointerTo(pointerTo(at, 'team'), position), context, report));
    return;
  }
  if ('external' in guard) return; // URL, timeout and cache were checked by the parser.
  const compiled = compileGuard(guard, index, transition, definition.entity_type, context.registry, at);
  if (!compiled.ok) for (const error of compiled.errors) report(error.pointer, error.message);
}

function checkEffect(
  effect: Effect, transition: TransitionDefinition, at: string, definition: WorkflowDefinition, context: ValidationContext, report: Report,
): void {
  const { registry } = context;
  const ownType = definition.entity_type;
  if ('set' in effect) {
    for (const [field, expression] of Object.entries(effect.set)) {
      checkValue(expression, field, ownType, pointerTo(pointerTo(at, 'set'), field), transition, definition, registry, report);
    }
  } else if ('assign' in effect) {
    const { field, user, team } = effect.assign;
    const target = typeFields(registry, ownType).get(field);
    if (!target) report(pointerTo(pointerTo(at, 'assign'), 'field'), `is not a field of ${ownType}`);
    else if (target.type !== 'user') report(pointerTo(pointerTo(at, 'assign'), 'field'), `must be a user field; ${field} is ${target.type}`);
    else if (user !== undefined) checkValue(user, field, ownType, pointerTo(pointerTo(at, 'assign'), 'user'), transition, definition, registry, report);
    if (team !== undefined) checkTeam(team, pointerTo(pointerTo(at, 'assign'), 'team'), context, report);
  } else if ('create' in effect) {
    const { type, values, link } = effect.create;
    const base = pointerTo(at, 'create');
    if (!registry.type(type)) {
      report(pointerTo(base, 'type'), `is not an entity type of this organisation: ${type}`);
      return;
    }
    for (const [field, expression] of Object.entries(values ?? {})) {
      checkValue(expression, field, type, pointerTo(pointerTo(base, 'values'), field), transition, definition, registry, report);
    }
    if (link !== undefined) {
      const linkField = typeFields(registry, type).get(link);
      if (!linkField || linkField.type !== 'reference' || linkField.target !== ownType) {
        report(pointerTo(base, 'link'), `must be a reference field of ${type} whose target is ${ownType}`);
      } else if (values && link in values) report(pointerTo(pointerTo(base, 'values'), link), 'is the link to the parent: set by the workflow, not in values');
    }
  } else if ('notify' in effect) {
    const base = pointerTo(pointerTo(at, 'notify'), 'to');
    const list = Array.isArray(effect.notify.to) ? effect.notify.to : [effect.notify.to];
    list.forEach((recipient, position) => {
      const pointer = Array.isArray(effect.notify.to) ? pointerTo(base, position) : base;
      if (typeof recipient === 'object' && recipient !== null && 'team' in recipient) checkTeam(recipient.team, pointerTo(pointer, 'team'), context, report);
      else {
        const problem = recipientProblem(recipient, ownType, registry);
        if (problem) report(pointer, problem);
      }
    });
  } else if ('start_timer' in effect) {
    const timer = effect.start_timer;
    const base = pointerTo(at, 'start_timer');
    if (timer.transition !== undefined) {
      const performed = definition.transitions.find((candidate) => candidate.key === timer.transition);
      if (!performed) report(pointerTo(base, 'transition'), `is not a transition of this workflow: ${timer.transition}`);
      else if (!performed.from.includes(transition.to)) {
        report(pointerTo(base, 'transition'), `must leave ${transition.to} (the state this timer is armed in); ${timer.transition} leaves ${performed.from.join(', ')}`);
      }
    }
    if (timer.at !== undefined) {
      const problem = dateField(timer.at, ownType, registry);
      if (problem) report(pointerTo(base, 'at'), problem);
    }
    checkCalendar(timer.calendar, pointerTo(base, 'calendar'), context, report);
    const state = definition.states.find((candidate) => candidate.key === transition.to);
    if (timer.key === 'sla_at_risk' || timer.key === 'sla_breached' || (state?.timeouts ?? []).some((timeout) => timeout.key === timer.key)) {
      report(pointerTo(base, 'key'), `duplicates a timer key of state ${transition.to} (its timeouts, sla_at_risk, sla_breached)`);
    }
  }
}

export function validateWorkflow(definition: WorkflowDefinition, context: ValidationContext): FieldError[] {
  const errors: FieldError[] = [];
  const report: Report = (pointer, message) => errors.push({ pointer, message });
  const { registry } = context;
  if (!registry.type(definition.entity_type)) {
    report('/entity_type', `is not an entity type of this organisation: ${definition.entity_type}`);
    // Fields, guards and effects cannot be judged without the type; the graph can.
    checkGraph(definition, report);
    return errors;
  }
  checkGraph(definition, report);
  definition.states.forEach((state, index) => {
    const at = pointerTo('/states', index);
    if (state.sla) checkCalendar(state.sla.calendar, `${at}/sla/calendar`, context, report);
    (state.timeouts ?? []).forEach((timeout, position) => {
      const timeoutAt = pointerTo(`${at}/timeouts`, position);
      const performed = definition.transitions.find((transition) => transition.key === timeout.transition);
      if (!performed) report(`${timeoutAt}/transition`, `is not a transition of this workflow: ${timeout.transition}`);
      else if (!performed.from.includes(state.key)) report(`${timeoutAt}/transition`, `must leave ${state.key}; ${timeout.transition} leaves ${performed.from.join(', ')}`);
      if (timeout.at !== undefined) {
        const problem = dateField(timeout.at, definition.entity_type, registry);
        if (problem) report(`${timeoutAt}/at`, problem);
      }
      checkCalendar(timeout.calendar, `${timeoutAt}/calendar`, context, report);
    });
  });
  definition.transitions.forEach((transition, index) => {
    const at = pointerTo('/transitions', index);
    (transition.input ?? []).forEach((input, position) => {
      if (input.type === 'reference' && input.target !== undefined && !registry.type(input.target)) {
        report(`${at}/input/${position}/target`, `is not an entity type of this organisation: ${input.target}`);
      }
    });
    (transition.guards ?? []).forEach((guard, position) => checkGuard(guard, position, transition, pointerTo(`${at}/guards`, position), definition, context, report));
    const timerKeys = new Map<string, number>();
    (transition.effects ?? []).forEach((effect, position) => {
      const effectAt = pointerTo(`${at}/effects`, position);
      checkEffect(effect, transition, effectAt, definition, context, report);
      if ('start_timer' in effect) {
        const first = timerKeys.get(effect.start_timer.key);
        if (first !== undefined) report(`${effectAt}/start_timer/key`, `duplicates the timer key of effect ${first}`);
        else timerKeys.set(effect.start_timer.key, position);
      }
    });
  });
  return errors;
}
