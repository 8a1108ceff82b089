// Untrusted JSON (the body of POST /api/workflows and PUT /api/workflows/{key})
// → a normalised WorkflowDefinition, or every shape problem at once, each
// with the JSON Pointer of the offending node (`/states/1/category`,
// `/transitions/0/guards/0/role/1`). Shape only: whether states are
// reachable or fields exist is validate.ts's business.
//
// Normalised means: unknown members refused (the allowed ones named),
// options that say nothing (`final: false`, `required: false`, absent
// arrays) left out, so two definitions that mean the same are equal JSON and
// diffs (diff.ts) stay free of noise.
import type { FieldError } from '../../platform/http/errors.ts';
import { KEY_PATTERN } from '../../entities/core/definitions.ts';
import {
  LIMITS, STATE_CATEGORIES, WORKFLOW_KEY_PATTERN,
  type SlaDefinition, type StateCategory, type StateDefinition, type TimeoutDefinition, type TransitionDefinition, type WorkflowDefinition,
} from './definition.ts';
import {
  Problems, defined, flag, has, isObject, list, matching, object, onlyMembers, pointerTo, text,
} from './parse-helpers.ts';
import { STEP_KEY, STEP_KEY_MESSAGE, calendarKey, duration, fieldKey, parseEffect, parseGuard, parseInput } from './parse-steps.ts';

export type DefinitionParseResult = { ok: true; definition: WorkflowDefinition } | { ok: false; errors: FieldError[] };

const WORKFLOW_MEMBERS = ['key', 'entity_type', 'label', 'description', 'initial', 'states', 'transitions'] as const;
const STATE_MEMBERS = ['key', 'label', 'category', 'final', 'sla', 'timeouts'] as const;
const SLA_MEMBERS = ['within', 'calendar', 'at_risk'] as const;
const TIMEOUT_MEMBERS = ['key', 'transition', 'after', 'at', 'calendar'] as const;
const TRANSITION_MEMBERS = ['key', 'label', 'from', 'to', 'input', 'guards', 'effects'] as const;
const WORKFLOW_KEY = new RegExp(WORKFLOW_KEY_PATTERN);
const TYPE_KEY = new RegExp(KEY_PATTERN);
const LABEL_MAX = 120;
const DESCRIPTION_MAX = 2000;

function stepKey(value: unknown, pointer: string, problems: Problems): string | undefined {
  return matching(value, STEP_KEY, pointer, problems, STEP_KEY_MESSAGE);
}

function parseSla(value: unknown, pointer: string, problems: Problems): SlaDefinition | undefined {
  const sla = object(value, pointer, problems, 'an object: {"within", "calendar"?, "at_risk"?}');
  if (!sla) return undefined;
  onlyMembers(sla, SLA_MEMBERS, pointer, problems);
  const before = problems.count;
  const within = duration(sla.within, pointerTo(pointer, 'within'), problems, true);
  const calendar = calendarKey(sla.calendar, pointerTo(pointer, 'calendar'), problems);
  let atRisk: number | undefined;
  if (has(sla, 'at_risk')) {
    if (typeof sla.at_risk !== 'number' || !(sla.at_risk > 0 && sla.at_risk < 1)) {
      problems.add(pointerTo(pointer, 'at_risk'), 'must be a number between 0 and 1 (the fraction of the SLA elapsed when it turns at_risk)');
    } else atRisk = sla.at_risk;
  }
  if (problems.count > before || within === undefined) return undefined;
  return defined({ within, calendar, at_risk: atRisk });
}

function parseTimeout(value: unknown, pointer: string, problems: Problems): TimeoutDefinition | undefined {
  const timeout = object(value, pointer, problems, 'an object: {"key", "transition", "after" | "at", "calendar"?}');
  if (!timeout) return undefined;
  onlyMembers(timeout, TIMEOUT_MEMBERS, pointer, problems);
  const before = problems.count;
  const key = stepKey(timeout.key, pointerTo(pointer, 'key'), problems);
  const transition = stepKey(timeout.transition, pointerTo(pointer, 'transition'), problems);
  const after = duration(timeout.after, pointerTo(pointer, 'after'), problems, false);
  const at = has(timeout, 'at') ? fieldKey(timeout.at, pointerTo(pointer, 'at'), problems) : undefined;
  if (has(timeout, 'after') === has(timeout, 'at')) problems.add(pointer, 'needs exactly one of after (a duration) or at (a date or datetime field)');
  const calendar = calendarKey(timeout.calendar, pointerTo(pointer, 'calendar'), problems);
  if (problems.count > before || key === undefined || transition === undefined) return undefined;
  return defined({ key, transition, after, at, calendar });
}

function parseState(value: unknown, pointer: string, problems: Problems): StateDefinition | undefined {
  const state = object(value, pointer, problems, 'a state: {"key", "category", "final"?, "sla"?, "timeouts"?}');
  if (!state) return undefined;
  onlyMembers(state, STATE_MEMBERS, pointer, problems);
  const before = problems.count;
  const key = stepKey(state.key, pointerTo(pointer, 'key'), problems);
  const label = text(state.label, pointerTo(pointer, 'label'), LABEL_MAX, problems);
  const category = matching(state.category, new RegExp(`^(${STATE_CATEGORIES.join('|')})$`), pointerTo(pointer, 'category'), problems,
    `must be one of: ${STATE_CATEGORIES.join(', ')}`) as StateCategory | undefined;
  const final = flag(state.final, pointerTo(pointer, 'final'), problems);
  const sla = has(state, 'sla') ? parseSla(state.sla, pointerTo(pointer, 'sla'), problems) : undefined;
  const timeouts = has(state, 'timeouts')
    ? list(state.timeouts, pointerTo(pointer, 'timeouts'), problems, { max: LIMITS.timeoutsPerState, what: 'timeouts' }, (entry, at) => parseTimeout(entry, at, problems))
    : undefined;
  if (problems.count > before || key === undefined || category === undefined) return undefined;
  return defined({ key, label, category, final: final === true ? true : undefined, sla, timeouts: timeouts && timeouts.length > 0 ? timeouts : undefined });
}

function parseTransition(value: unknown, pointer: string, problems: Problems): TransitionDefinition | undefined {
  const transition = object(value, pointer, problems, 'a transition: {"key", "from", "to", "input"?, "guards"?, "effects"?}');
  if (!transition) return undefined;
  onlyMembers(transition, TRANSITION_MEMBERS, pointer, problems);
  const before = problems.count;
  const key = stepKey(transition.key, pointerTo(pointer, 'key'), problems);
  const label = text(transition.label, pointerTo(pointer, 'label'), LABEL_MAX, problems);
  const from = has(transition, 'from')
    ? list(transition.from, pointerTo(pointer, 'from'), problems, { max: LIMITS.states, nonEmpty: true, what: 'state keys' }, (entry, at) => stepKey(entry, at, problems))
    : problems.add(pointerTo(pointer, 'from'), 'is required: an array of the state keys this transition leaves');
  const to = stepKey(transition.to, pointerTo(pointer, 'to'), problems);
  const input = has(transition, 'input')
    ? list(transition.input, pointerTo(pointer, 'input'), problems, { max: LIMITS.inputsPerTransition, what: 'input definitions' }, (entry, at) => parseInput(entry, at, problems))
    : undefined;
  const guards = has(transition, 'guards')
    ? list(transition.guards, pointerTo(pointer, 'guards'), problems, { max: LIMITS.guardsPerTransition, what: 'guards' }, (entry, at) => parseGuard(entry, at, problems))
    : undefined;
  const effects = has(transition, 'effects')
    ? list(transition.effects, pointerTo(pointer, 'effects'), problems, { max: LIMITS.effectsPerTransition, what: 'effects' }, (entry, at) => parseEffect(entry, at, problems))
    : undefined;
  if (problems.count > before || key === undefined || from === undefined || to === undefined) return undefined;
  const nonEmpty = <T>(items: T[] | undefined): T[] | undefined => (items && items.length > 0 ? items : undefined);
  return defined({ key, label, from, to, input: nonEmpty(input), guards: nonEmpty(guards), effects: nonEmpty(effects) });
}

export function parseWorkflowDefinition(input: unknown): DefinitionParseResult {
  const problems = new Problems();
  if (!isObject(input)) return { ok: false, errors: [{ pointer: '', message: 'must be a workflow definition object: {"key", "entity_type", "initial", "states", "transitions"}' }] };
  onlyMembers(input, WORKFLOW_MEMBERS, '', problems);
  const key = matching(input.key, WORKFLOW_KEY, '/key', problems, 'must be a lowercase key: a letter, then letters, digits, _ or - (at most 63 characters)');
  const entityType = matching(input.entity_type, TYPE_KEY, '/entity_type', problems, 'must be an entity type key: a letter, then lowercase letters, digits or _');
  const label = text(input.label, '/label', LABEL_MAX, problems);
  const description = text(input.description, '/description', DESCRIPTION_MAX, problems);
  const initial = stepKey(input.initial, '/initial', problems);
  const states = has(input, 'states')
    ? list(input.states, '/states', problems, { max: LIMITS.states, nonEmpty: true, what: 'states' }, (entry, at) => parseState(entry, at, problems))
    : problems.add('/states', 'is required: an array of states');
  const transitions = has(input, 'transitions')
    ? list(input.transitions, '/transitions', problems, { max: LIMITS.transitions, what: 'transitions' }, (entry, at) => parseTransition(entry, at, problems))
    : problems.add('/transitions', 'is required: an array of transitions (it may be empty only if the initial state is final)');
  if (problems.count > 0 || key === undefined || entityType === undefined || initial === undefined || !states || !transitions) {
    return { ok: false, errors: problems.list };
  }
  return { ok: true, definition: defined({ key, entity_type: entityType, label, description, initial, states, transitions }) };
}
