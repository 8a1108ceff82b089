// The parts of a transition, shape only: input definitions, guards, effects
// and the value expressions effects compute. Whether fields, roles, teams,
// types and calendars exist is validate.ts's business; a guard's condition is
// parsed here (its shape) and type-checked there.
import { parse as parseCondition } from '../../conditions/parse.ts';
import { DEFINITION_LIMITS, KEY_PATTERN } from '../../entities/core/definitions.ts';
import type { Role } from '../../platform/context.ts';
import {
  CALENDAR_KEY_PATTERN, INPUT_TYPES, LIMITS, ROLES, STATE_CATEGORIES, STEP_KEY_PATTERN,
  type Effect, type Guard, type InputDefinition, type InputType, type Recipient, type StateCategory, type ValueExpression,
} from './definition.ts';
import { DURATION_HINT, OFFSET_HINT, parseDuration, parseOffset } from './duration.ts';
import {
  defined, flag, has, integer, list, matching, object, onlyMembers, pointerTo, singleKind, text, type Problems,
} from './parse-helpers.ts';

export const STEP_KEY = new RegExp(STEP_KEY_PATTERN);
export const STEP_KEY_MESSAGE = 'must be a lowercase key: a letter, then letters, digits or _ (at most 63 characters)';
const FIELD_KEY = new RegExp(KEY_PATTERN);
const FIELD_MESSAGE = 'must be a field key: a letter, then lowercase letters, digits or _';
const TYPE_MESSAGE = 'must be an entity type key: a letter, then lowercase letters, digits or _';
const CALENDAR_KEY = new RegExp(CALENDAR_KEY_PATTERN);
const CALENDAR_MESSAGE = 'must be a calendar key such as 24x7 or business-hours';
/** A references field of the type, or a reverse relation `<type>.<field>` (as #4 quantifiers write it). */
const RELATION = /^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62})?$/;
/** Event names: dotted lowercase words (`incident.resolved`). */
export const EVENT_NAME = /^[a-z][a-z0-9_]{0,62}(\.[a-z0-9_]{1,63}){0,5}$/;
const EVENT_MESSAGE = 'must be an event name of dotted lowercase words, such as incident.resolved';
const LABEL_MAX = 120;
const TEAM_NAME_MAX = 200;
const NOTIFY_TEXT_MAX = 2000;
const MAX_TEAMS = 50;
const MAX_RECIPIENTS = 20;
const MAX_VALUES = 100;

export const GUARD_KINDS = ['role', 'team', 'condition', 'related', 'external'] as const;
export const EFFECT_KINDS = ['set', 'assign', 'create', 'notify', 'webhook', 'event', 'start_timer'] as const;
const VALUE_KINDS = ['literal', 'current_user', 'now', 'input', 'field'] as const;
const INPUT_MEMBERS = ['key', 'type', 'label', 'required', 'values', 'target', 'max_length'] as const;

export function fieldKey(value: unknown, pointer: string, problems: Problems): string | undefined {
  return matching(value, FIELD_KEY, pointer, problems, FIELD_MESSAGE);
}

export function calendarKey(value: unknown, pointer: string, problems: Problems): string | undefined {
  return matching(value, CALENDAR_KEY, pointer, problems, CALENDAR_MESSAGE, false);
}

export function duration(value: unknown, pointer: string, problems: Problems, required: boolean): string | undefined {
  if (value === undefined || value === null) return required ? problems.add(pointer, 'is required') : undefined;
  if (typeof value !== 'string' || parseDuration(value) === null) return problems.add(pointer, DURATION_HINT);
  return value;
}

export function parseInput(value: unknown, pointer: string, problems: Problems): InputDefinition | undefined {
  const input = object(value, pointer, problems, 'an input definition: {"key", "type", ...}');
  if (!input) return undefined;
  onlyMembers(input, INPUT_MEMBERS, pointer, problems);
  const before = problems.count;
  const key = matching(input.key, STEP_KEY, pointerTo(pointer, 'key'), problems, STEP_KEY_MESSAGE);
  const type = matching(input.type, new RegExp(`^(${INPUT_TYPES.join('|')})$`), pointerTo(pointer, 'type'), problems, `must be one of: ${INPUT_TYPES.join(', ')}`) as InputType | undefined;
  const label = text(input.label, pointerTo(pointer, 'label'), LABEL_MAX, problems);
  const required = flag(input.required, pointerTo(pointer, 'required'), problems);
  let values: string[] | undefined;
  if (has(input, 'values')) {
    if (type !== undefined && type !== 'enum') problems.add(pointerTo(pointer, 'values'), 'applies to enum inputs only');
    values = list(input.values, pointerTo(pointer, 'values'), problems, { max: DEFINITION_LIMITS.values, nonEmpty: true, what: 'strings' },
      (entry, at) => (typeof entry === 'string' ? text(entry, at, DEFINITION_LIMITS.valueLength, problems) : problems.add(at, 'must be a string')));
    if (values && new Set(values).size !== values.length) problems.add(pointerTo(pointer, 'values'), 'must not repeat a value');
  } else if (type === 'enum') problems.add(pointer, 'an enum input needs values');
  let target: string | undefined;
  if (has(input, 'target')) {
    if (type !== undefined && type !== 'reference') problems.add(pointerTo(pointer, 'target'), 'applies to reference inputs only');
    target = matching(input.target, FIELD_KEY, pointerTo(pointer, 'target'), problems, TYPE_MESSAGE);
  } else if (type === 'reference') problems.add(pointer, 'a reference input needs a target type');
  let maxLength: number | undefined;
  if (has(input, 'max_length')) {
    if (type !== undefined && type !== 'text' && type !== 'long_text') problems.add(pointerTo(pointer, 'max_length'), 'applies to text and long_text inputs only');
    maxLength = integer(input.max_length, pointerTo(pointer, 'max_length'), 1, DEFINITION_LIMITS.maxLength, problems);
  }
  if (problems.count > before || key === undefined || type === undefined) return undefined;
  return defined({ key, type, label, required: required === true ? true : undefined, values, target, max_length: maxLength });
}

export function parseValue(value: unknown, pointer: string, problems: Problems): ValueExpression | undefined {
  const found = singleKind(value, VALUE_KINDS, pointer, problems, 'a value expression');
  if (!found) return undefined;
  const at = pointerTo(pointer, found.kind);
  switch (found.kind) {
    case 'literal': {
      const literal = found.body;
      if (literal === null || typeof literal === 'string' || typeof literal === 'boolean' || (typeof literal === 'number' && Number.isFinite(literal))) {
        return { literal };
      }
      return problems.add(at, 'must be a string, a number, true, false or null');
    }
    case 'current_user':
      return found.body === true ? { current_user: true } : problems.add(at, 'must be true');
    case 'now':
      if (found.body === true) return { now: true };
      if (typeof found.body === 'string' && parseOffset(found.body) !== null) return { now: found.body };
      return problems.add(at, `must be true or an offset: ${OFFSET_HINT}`);
    case 'input': {
      const key = matching(found.body, STEP_KEY, at, problems, 'must be the key of one of the transition\'s inputs');
      return key === undefined ? undefined : { input: key };
    }
    case 'field': {
      const key = fieldKey(found.body, at, problems);
      return key === undefined ? undefined : { field: key };
    }
  }
}

/** A map of field key to value expression (`set`, `create.values`). */
function parseValues(value: unknown, pointer: string, problems: Problems, nonEmpty: boolean): Record<string, ValueExpression> | undefined {
  const values = object(value, pointer, problems, 'an object of field keys to value expressions');
  if (!values) return undefined;
  const entries = Object.entries(values);
  if (nonEmpty && entries.length === 0) return problems.add(pointer, 'must set at least one field');
  if (entries.length > MAX_VALUES) return problems.add(pointer, `must set at most ${MAX_VALUES} fields`);
  const before = problems.count;
  const result: Record<string, ValueExpression> = {};
  for (const [name, expression] of entries) {
    const at = pointerTo(pointer, name);
    if (!FIELD_KEY.test(name)) {
      problems.add(at, FIELD_MESSAGE);
      continue;
    }
    const parsed = parseValue(expression, at, problems);
    if (parsed) result[name] = parsed;
  }
  return problems.count > before ? undefined : result;
}

function roleList(value: unknown, pointer: string, problems: Problems): Role[] | undefined {
  const roles = list(value, pointer, problems, { max: ROLES.length, nonEmpty: true, what: 'roles' }, (entry, at) =>
    typeof entry === 'string' && (ROLES as readonly string[]).includes(entry) ? (entry as Role) : problems.add(at, `must be a role: ${ROLES.join(', ')}`));
  return roles;
}

function teamName(value: unknown, pointer: string, problems: Problems): string | undefined {
  if (typeof value !== 'string' || value.trim() === '' || value.length > TEAM_NAME_MAX) return problems.add(pointer, 'must be a team name');
  return value;
}

function parseRelated(value: unknown, pointer: string, problems: Problems): Guard | undefined {
  const related = object(value, pointer, problems, 'an object: {"relation", "quantifier"?, "states"?, "categories"?}');
  if (!related) return undefined;
  onlyMembers(related, ['relation', 'quantifier', 'states', 'categories'], pointer, problems);
  const before = problems.count;
  const relation = matching(related.relation, RELATION, pointerTo(pointer, 'relation'), problems, 'must be a references field of the type or a reverse relation <type>.<field>');
  const quantifier = matching(related.quantifier, /^(every|some|none)$/, pointerTo(pointer, 'quantifier'), problems, 'must be every, some or none', false) as 'every' | 'some' | 'none' | undefined;
  const states = has(related, 'states')
    ? list(related.states, pointerTo(pointer, 'states'), problems, { max: LIMITS.states, nonEmpty: true, what: 'state keys' }, (entry, at) => matching(entry, STEP_KEY, at, problems, STEP_KEY_MESSAGE))
    : undefined;
  const categories = has(related, 'categories')
    ? list(related.categories, pointerTo(pointer, 'categories'), problems, { max: STATE_CATEGORIES.length, nonEmpty: true, what: 'state categories' }, (entry, at) =>
      typeof entry === 'string' && (STATE_CATEGORIES as readonly string[]).includes(entry) ? (entry as StateCategory) : problems.add(at, `must be a state category: ${STATE_CATEGORIES.join(', ')}`))
    : undefined;
  if (!has(related, 'states') && !has(related, 'categories')) problems.add(pointer, 'needs states or categories (or both)');
  if (problems.count > before || relation === undefined) return undefined;
  return { related: defined({ relation, quantifier, states, categories }) };
}

function parseExternal(value: unknown, pointer: string, problems: Problems): Guard | undefined {
  const external = object(value, pointer, problems, 'an object: {"url", "timeout_ms"?, "cache_seconds"?}');
  if (!external) return undefined;
  onlyMembers(external, ['url', 'timeout_ms', 'cache_seconds'], pointer, problems);
  const before = problems.count;
  let url: string | undefined;
  if (typeof external.url !== 'string' || external.url.length > 2000 || !URL.canParse(external.url) || !/^https?:$/.test(new URL(external.url).protocol)) {
    problems.add(pointerTo(pointer, 'url'), 'must be an absolute http or https URL (at most 2000 characters)');
  } else url = external.url;
  const timeout = integer(external.timeout_ms, pointerTo(pointer, 'timeout_ms'), 1, LIMITS.externalTimeoutMsMax, problems);
  const cache = integer(external.cache_seconds, pointerTo(pointer, 'cache_seconds'), 0, LIMITS.externalCacheSecondsMax, problems);
  if (problems.count > before || url === undefined) return undefined;
  return { external: defined({ url, timeout_ms: timeout, cache_seconds: cache }) };
}

export function parseGuard(value: unknown, pointer: string, problems: Problems): Guard | undefined {
  const found = singleKind(value, GUARD_KINDS, pointer, problems, 'a guard');
  if (!found) return undefined;
  const at = pointerTo(pointer, found.kind);
  switch (found.kind) {
    case 'role': {
      const roles = roleList(found.body, at, problems);
      return roles && roles.length > 0 ? { role: roles } : undefined;
    }
    case 'team': {
      const before = problems.count;
      const teams = list(found.body, at, problems, { max: MAX_TEAMS, nonEmpty: true, what: 'team names' }, (entry, entryAt) => teamName(entry, entryAt, problems));
      return teams && problems.count === before ? { team: teams } : undefined;
    }
    case 'condition': {
      const parsed = parseCondition(found.body, at);
      if (!parsed.ok) {
        for (const error of parsed.errors) problems.add(error.pointer, error.message);
        return undefined;
      }
      return { condition: found.body };
    }
    case 'related':
      return parseRelated(found.body, at, problems);
    case 'external':
      return parseExternal(found.body, at, problems);
  }
}

function parseRecipient(value: unknown, pointer: string, problems: Problems): Recipient | undefined {
  if (typeof value === 'string') return fieldKey(value, pointer, problems);
  const found = singleKind(value, ['role', 'team'] as const, pointer, problems, 'a recipient (a user field key, {"role"} or {"team"})');
  if (!found) return undefined;
  const at = pointerTo(pointer, found.kind);
  if (found.kind === 'role') {
    return typeof found.body === 'string' && (ROLES as readonly string[]).includes(found.body) ? { role: found.body as Role } : problems.add(at, `must be a role: ${ROLES.join(', ')}`);
  }
  const team = teamName(found.body, at, problems);
  return team === undefined ? undefined : { team };
}

function parseStartTimer(value: unknown, pointer: string, problems: Problems): Effect | undefined {
  const timer = object(value, pointer, problems, 'an object: {"key", "after" | "at", "transition" | "event", "calendar"?}');
  if (!timer) return undefined;
  onlyMembers(timer, ['key', 'after', 'at', 'calendar', 'transition', 'event'], pointer, problems);
  const before = problems.count;
  const key = matching(timer.key, STEP_KEY, pointerTo(pointer, 'key'), problems, STEP_KEY_MESSAGE);
  const after = duration(timer.after, pointerTo(pointer, 'after'), problems, false);
  const at = has(timer, 'at') ? fieldKey(timer.at, pointerTo(pointer, 'at'), problems) : undefined;
  if (has(timer, 'after') === has(timer, 'at')) problems.add(pointer, 'needs exactly one of after (a duration) or at (a date or datetime field)');
  const calendar = calendarKey(timer.calendar, pointerTo(pointer, 'calendar'), problems);
  const transition = has(timer, 'transition') ? matching(timer.transition, STEP_KEY, pointerTo(pointer, 'transition'), problems, STEP_KEY_MESSAGE) : undefined;
  const event = has(timer, 'event') ? matching(timer.event, EVENT_NAME, pointerTo(pointer, 'event'), problems, EVENT_MESSAGE) : undefined;
  if (has(timer, 'transition') === has(timer, 'event')) problems.add(pointer, 'needs exactly one of transition (to perform) or event (to emit)');
  if (problems.count > before || key === undefined) return undefined;
  return { start_timer: defined({ key, after, at, calendar, transition, event }) };
}

export function parseEffect(value: unknown, pointer: string, problems: Problems): Effect | undefined {
  const found = singleKind(value, EFFECT_KINDS, pointer, problems, 'an effect');
  if (!found) return undefined;
  const at = pointerTo(pointer, found.kind);
  const before = problems.count;
  switch (found.kind) {
    case 'set': {
      const values = parseValues(found.body, at, problems, true);
      return values ? { set: values } : undefined;
    }
    case 'assign': {
      const assign = object(found.body, at, problems, 'an object: {"field", "user" | "team"}');
      if (!assign) return undefined;
      onlyMembers(assign, ['field', 'user', 'team'], at, problems);
      const field = fieldKey(assign.field, pointerTo(at, 'field'), problems);
      const user = has(assign, 'user') ? parseValue(assign.user, pointerTo(at, 'user'), problems) : undefined;
      const team = has(assign, 'team') ? teamName(assign.team, pointerTo(at, 'team'), problems) : undefined;
      if (has(assign, 'user') === has(assign, 'team')) problems.add(at, 'needs exactly one of user (a value expression) or team (a team name)');
      return problems.count > before || field === undefined ? undefined : { assign: defined({ field, user, team }) };
    }
    case 'create': {
      const create = object(found.body, at, problems, 'an object: {"type", "values"?, "link"?}');
      if (!create) return undefined;
      onlyMembers(create, ['type', 'values', 'link'], at, problems);
      const type = matching(create.type, FIELD_KEY, pointerTo(at, 'type'), problems, TYPE_MESSAGE);
      const values = has(create, 'values') ? parseValues(create.values, pointerTo(at, 'values'), problems, false) : undefined;
      const link = has(create, 'link') ? fieldKey(create.link, pointerTo(at, 'link'), problems) : undefined;
      return problems.count > before || type === undefined ? undefined : { create: defined({ type, values, link }) };
    }
    case 'notify': {
      const notify = object(found.body, at, problems, 'an object: {"to", "title"?, "message"?, "email"?}');
      if (!notify) return undefined;
      onlyMembers(notify, ['to', 'title', 'message', 'email'], at, problems);
      let to: Recipient | Recipient[] | undefined;
      if (!has(notify, 'to')) problems.add(at, 'needs to: a user field key, {"role"}, {"team"} or an array of them');
      else if (Array.isArray(notify.to)) {
        to = list(notify.to, pointerTo(at, 'to'), problems, { max: MAX_RECIPIENTS, nonEmpty: true, what: 'recipients' }, (entry, entryAt) => parseRecipient(entry, entryAt, problems));
      } else to = parseRecipient(notify.to, pointerTo(at, 'to'), problems);
      const title = text(notify.title, pointerTo(at, 'title'), LABEL_MAX * 2, problems);
      const message = text(notify.message, pointerTo(at, 'message'), NOTIFY_TEXT_MAX, problems);
      const email = flag(notify.email, pointerTo(at, 'email'), problems);
      return problems.count > before || to === undefined ? undefined : { notify: defined({ to, title, message, email: email === true ? true : undefined }) };
    }
    case 'webhook':
    case 'event': {
      const member = found.kind === 'webhook' ? 'event' : 'type';
      const body = object(found.body, at, problems, `an object: {"${member}"}`);
      if (!body) return undefined;
      onlyMembers(body, [member], at, problems);
      const name = matching(body[member], EVENT_NAME, pointerTo(at, member), problems, EVENT_MESSAGE);
      if (problems.count > before || name === undefined) return undefined;
      return found.kind === 'webhook' ? { webhook: { event: name } } : { event: { type: name } };
    }
    case 'start_timer':
      return parseStartTimer(found.body, at, problems);
  }
}
