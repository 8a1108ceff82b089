// A transition's effects, in order, turned into data: field changes (`set`,
// `assign`), planned effects for the service (`create`, `notify`, `webhook`,
// `event`) and timers (`start_timer`). Later effects see earlier changes
// (`{"field": "assignee"}` after a `set` of assignee reads the new value).
// An input that was not given, or `current_user` for an API key or the
// system, is null: written to a field it clears it. `now` is an ISO instant,
// or the organisation's local date when the field is a date.
// Pure: the clock, the caller and the team loads come in the facts.
import { isDate, parseDatetime } from '../../conditions/literals.ts';
import { formatDate, instantOf, localDateTime } from '../../conditions/time-zone.ts';
import type { EntityTypeDefinition } from '../../entities/core/definitions.ts';
import { NoWorkingTimeError, addWorkingTime, calendarOf } from './calendar.ts';
import type { BusinessCalendar } from './calendar-types.ts';
import type { CompiledWorkflow } from './compile.ts';
import type { EffectNote, EngineActor, EngineFacts, EngineRecord, PlannedEffect, TimerPlan } from './decision.ts';
import { effectKind, type Effect, type Recipient, type TransitionDefinition, type ValueExpression } from './definition.ts';
import { parseDuration, parseOffset } from './duration.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface EffectContext {
  readonly compiled: CompiledWorkflow;
  readonly transition: TransitionDefinition;
  readonly record: EngineRecord;
  readonly actor: EngineActor;
  readonly input: Readonly<Record<string, unknown>>;
  readonly facts: EngineFacts;
}

export interface EffectOutcome {
  readonly changes: Record<string, unknown>;
  readonly effects: PlannedEffect[];
  readonly timers: TimerPlan[];
  readonly notes: EffectNote[];
}

/** A calendar by key: the facts' (stored or built-in), else the built-ins in the organisation's zone. */
export function calendarFor(key: string | undefined, facts: EngineFacts): BusinessCalendar {
  const name = key ?? '24x7';
  return facts.calendars.get(name) ?? calendarOf(name, undefined, facts.timeZone);
}

/** The instant a date or datetime value stands for (a date: its local midnight in `timeZone`); null when it is neither. */
export function instantOfValue(value: unknown, timeZone: string): Date | null {
  if (isDate(value)) {
    const [year, month, day] = value.split('-').map(Number) as [number, number, number];
    return new Date(instantOf({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 }, timeZone));
  }
  const micros = parseDatetime(value);
  return micros === null ? null : new Date(Math.floor(micros / 1000));
}

/** A record field's current value, system fields included. */
export function fieldValue(record: EngineRecord, data: Readonly<Record<string, unknown>>, key: string): unknown {
  switch (key) {
    case 'id': return record.id;
    case 'type': return record.type;
    case 'version': return record.version;
    case 'state': return record.state;
    case 'created_at': return record.createdAt.toISOString();
    case 'updated_at': return record.updatedAt.toISOString();
    case 'created_by': return record.createdBy;
    case 'updated_by': return record.updatedBy;
    case 'state_entered_at': return record.stateEnteredAt.toISOString();
    default: return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : null;
  }
}

/** A value expression's value; `type` (of the field it is written to, when known) shapes `now`. */
export function valueOf(expression: ValueExpression, context: EffectContext, data: Readonly<Record<string, unknown>>, type?: EntityTypeDefinition, field?: string): unknown {
  if ('literal' in expression) return expression.literal;
  if ('current_user' in expression) return context.actor.userId;
  if ('input' in expression) return context.input[expression.input] ?? null;
  if ('field' in expression) return fieldValue(context.record, data, expression.field) ?? null;
  const offset = expression.now === true ? 0 : parseOffset(expression.now)?.ms ?? 0;
  const instant = context.facts.now.getTime() + offset;
  if (type?.fields.find((definition) => definition.key === field)?.type === 'date') {
    return formatDate(localDateTime(instant, context.facts.timeZone));
  }
  return new Date(instant).toISOString();
}

function recipients(to: Recipient | readonly Recipient[]): readonly Recipient[] {
  return Array.isArray(to) ? to : [to as Recipient];
}

/** The member of the team with the fewest open records, ties by user id; null when the team has no member. */
function leastLoaded(loads: EngineFacts['teamLoads'], team: string): string | null {
  const members = [...(loads.get(team.toLowerCase()) ?? [])];
  members.sort((a, b) => a.open - b.open || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  return members[0]?.userId ?? null;
}

function stateLabel(compiled: CompiledWorkflow, key: string): string {
  return compiled.states.get(key)?.label ?? key;
}

/** A timer's due instant, or a note saying why there is none. */
export function timerDue(
  spec: { readonly after?: string; readonly at?: string; readonly calendar?: string },
  record: EngineRecord, data: Readonly<Record<string, unknown>>, facts: EngineFacts, from: Date,
): { due: Date } | { note: string } {
  const calendar = calendarFor(spec.calendar, facts);
  if (spec.at !== undefined) {
    const due = instantOfValue(fieldValue(record, data, spec.at), calendar.timeZone);
    return due ? { due } : { note: `field ${spec.at} holds no date or datetime: no timer` };
  }
  const duration = parseDuration(spec.after ?? '');
  if (!duration) return { note: `invalid duration ${spec.after}: no timer` };
  try {
    return { due: addWorkingTime(from, duration.ms, calendar) };
  } catch (error) {
    if (error instanceof NoWorkingTimeError) return { note: `${error.message}: no timer` };
    throw error;
  }
}

export function applyEffects(context: EffectContext): EffectOutcome {
  const { compiled, transition, record, facts } = context;
  const outcome: EffectOutcome = { changes: {}, effects: [], timers: [], notes: [] };
  const data = (): Record<string, unknown> => ({ ...record.data, ...outcome.changes });
  const ownType = compiled.types.get(record.type);
  (transition.effects ?? []).forEach((effect: Effect, index) => {
    if ('set' in effect) {
      const current = data();
      for (const [field, expression] of Object.entries(effect.set)) outcome.changes[field] = valueOf(expression, context, current, ownType, field);
    } else if ('assign' in effect) {
      const { field, user, team } = effect.assign;
      const chosen = user !== undefined ? valueOf(user, context, data()) : team !== undefined ? leastLoaded(facts.teamLoads, team) : null;
      if (team !== undefined && chosen === null) outcome.notes.push({ index, kind: 'assign', note: `team ${team} has no member: ${field} left unchanged` });
      else outcome.changes[field] = chosen;
    } else if ('create' in effect) {
      const current = data();
      const childType = compiled.types.get(effect.create.type);
      const values = Object.fromEntries(Object.entries(effect.create.values ?? {}).map(([field, expression]) => [field, valueOf(expression, context, current, childType, field)]));
      outcome.effects.push({ kind: 'create', type: effect.create.type, values, ...(effect.create.link === undefined ? {} : { link: effect.create.link }), index });
    } else if ('notify' in effect) {
      const current = data();
      const users = new Set<string>();
      const roles = new Set<'gestor' | 'cliente'>();
      const teams = new Set<string>();
      for (const recipient of recipients(effect.notify.to)) {
        if (typeof recipient === 'string') {
          const value = fieldValue(record, current, recipient);
          if (typeof value === 'string' && UUID.test(value)) users.add(value.toLowerCase());
        } else if ('role' in recipient) roles.add(recipient.role);
        else teams.add(recipient.team.toLowerCase());
      }
      const title = effect.notify.title ?? `${transition.label ?? transition.key}: ${stateLabel(compiled, record.state)} → ${stateLabel(compiled, transition.to)}`;
      outcome.effects.push({
        kind: 'notify', users: [...users].sort(), roles: [...roles].sort(), teams: [...teams].sort(), title,
        message: effect.notify.message ?? null, email: effect.notify.email === true, index,
      });
    } else if ('webhook' in effect) {
      outcome.effects.push({ kind: 'webhook', event: effect.webhook.event, index });
    } else if ('event' in effect) {
      outcome.effects.push({ kind: 'event', type: effect.event.type, index });
    } else {
      const timer = effect.start_timer;
      const due = timerDue(timer, record, data(), facts, facts.now);
      if ('note' in due) outcome.notes.push({ index, kind: effectKind(effect), note: due.note });
      else {
        outcome.timers.push({
          kind: timer.transition !== undefined ? 'transition' : 'event', key: timer.key, dueAt: due.due,
          ...(timer.transition === undefined ? {} : { transition: timer.transition }),
          ...(timer.event === undefined ? {} : { event: timer.event }),
        });
      }
    }
  });
  return outcome;
}
