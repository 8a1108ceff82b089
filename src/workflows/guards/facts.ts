// Loads, in the transition's transaction and in one statement
// (facts.sql.ts), what the engine needs beyond the record and its related
// records: the registry (only when its stamp changed since this process last
// read it), the organisation's time zone, the actor's teams, calendars and
// team loads. Stored JSON is parsed on the way in (calendars through the
// same parser as their API), never cast.
import type { EntityTypeDefinition } from '../../entities/index.ts';
import type { TenantTx } from '../../platform/db/tenant-database.ts';
import { BUILT_IN_CALENDARS } from '../core/definition.ts';
import type { BusinessCalendar } from '../core/calendar-types.ts';
import { calendarOf, parseCalendar } from '../core/calendar.ts';
import { transitionFactsSql } from './facts.sql.ts';

export interface FactsRequest {
  /** The registry stamp this process holds definitions for ('' for none). */
  readonly knownStamp: string;
  /** The acting member, whose teams are read (null: API keys and the system have none). */
  readonly userId: string | null;
  /** Read the calendars (the new state has an SLA or timers). */
  readonly calendars: boolean;
  /** assign-by-team effects: team (any case) and user field. */
  readonly teamLoads: readonly { readonly team: string; readonly field: string }[];
  readonly type: string;
}

export interface LoadedFacts {
  readonly stamp: string;
  /** Every current definition, when the stamp is not `knownStamp`; null otherwise. */
  readonly definitions: ReadonlyMap<string, EntityTypeDefinition> | null;
  readonly timeZone: string;
  /** The actor's team names, lower-cased. */
  readonly teams: readonly string[];
  readonly calendars: ReadonlyMap<string, BusinessCalendar>;
  readonly teamLoads: ReadonlyMap<string, readonly { readonly userId: string; readonly open: number }[]>;
}

interface FactsRow {
  stamp: string;
  definitions: Record<string, EntityTypeDefinition> | null;
  time_zone: string;
  teams: unknown;
  calendars: unknown;
  team_loads: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Built-ins first; a stored calendar with a built-in's key overrides it. */
export function calendarsOf(stored: unknown, timeZone: string): Map<string, BusinessCalendar> {
  const calendars = new Map<string, BusinessCalendar>();
  for (const key of BUILT_IN_CALENDARS) calendars.set(key, calendarOf(key, undefined, timeZone));
  for (const row of Array.isArray(stored) ? stored : []) {
    if (!isObject(row) || typeof row.key !== 'string') continue;
    const parsed = parseCalendar({ time_zone: row.time_zone, working_hours: row.working_hours, holidays: row.holidays });
    // A row the parser refuses (it was checked when written) counts as absent: calendarOf's fallback applies.
    if (parsed.ok) calendars.set(row.key, calendarOf(row.key, parsed.value, timeZone));
  }
  return calendars;
}

function teamLoadsOf(value: unknown): Map<string, { userId: string; open: number }[]> {
  const loads = new Map<string, { userId: string; open: number }[]>();
  for (const entry of Array.isArray(value) ? value : []) {
    if (!isObject(entry) || typeof entry.team !== 'string' || loads.has(entry.team)) continue;
    const members = (Array.isArray(entry.members) ? entry.members : [])
      .filter(isObject)
      .filter((member) => typeof member.user_id === 'string')
      .map((member) => ({ userId: String(member.user_id), open: Number(member.open) || 0 }));
    loads.set(entry.team, members);
  }
  return loads;
}

/** The facts statement for `request`, its parameters numbered from `first` (1 alone; 3 inside the lock's statement). */
export function factsStatement(request: FactsRequest, first: number): { text: string; values: unknown[] } {
  return transitionFactsSql(
    request.knownStamp,
    {
      userId: request.userId,
      calendars: request.calendars,
      teams: request.teamLoads.map((load) => load.team.toLowerCase()),
      fields: request.teamLoads.map((load) => load.field),
      type: request.type,
    },
    first,
  );
}

/** Parses the facts statement's row (a row as pg answers it, or the same row as JSON), never casting it. */
export function factsOf(row: unknown, request: FactsRequest): LoadedFacts {
  const fields: Record<string, unknown> = isObject(row) ? row : {};
  const timeZone = typeof fields.time_zone === 'string' ? fields.time_zone : 'UTC';
  const definitions = isObject(fields.definitions) ? (fields.definitions as Record<string, EntityTypeDefinition>) : null;
  return {
    stamp: typeof fields.stamp === 'string' ? fields.stamp : '',
    definitions: definitions ? new Map(Object.entries(definitions)) : null,
    timeZone,
    teams: strings(fields.teams),
    calendars: request.calendars ? calendarsOf(fields.calendars, timeZone) : calendarsOf([], timeZone),
    teamLoads: teamLoadsOf(fields.team_loads),
  };
}

export async function loadFacts(tx: TenantTx, request: FactsRequest): Promise<LoadedFacts> {
  const statement = factsStatement(request, 1);
  const { rows } = await tx.query<FactsRow>(statement.text, statement.values);
  return factsOf(rows[0], request);
}
