// Business calendars (docs/workflows.md, "Time: calendars, SLAs and timers"):
// working hours, a time zone and holidays per organisation, which SLAs and
// timers count working time in. The built-ins `24x7` and `business-hours`
// need no row; a stored row with their key overrides them. Each change writes
// its audit entry and event in the same transaction.
//
// A change applies to stays entered afterwards: due dates already computed
// (records' sla_due_at, pending timers) stay as they were.
import { recordAudit } from '../audit/index.ts';
import { emitEvent } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError, PlatformErrors, type FieldError } from '../platform/http/errors.ts';
import { calendarReferences } from './calendar-references.ts';
import { CalendarErrors } from './calendars.errors.ts';
import type { CalendarView, DueQuery, DueView } from './calendars.schemas.ts';
import {
  DEFINITIONS_IN_USE,
  DELETE_CALENDAR,
  LIST_CALENDARS,
  LOCK_CALENDAR,
  SELECT_CALENDAR,
  UPSERT_CALENDAR,
} from './calendars.sql.ts';
import { addWorkingTime, calendarOf, NoWorkingTimeError, parseCalendar, type CalendarBody } from './core/calendar.ts';
import { BUILT_IN_CALENDARS } from './core/definition.ts';
import { parseDuration } from './core/duration.ts';

interface CalendarRow {
  key: string;
  name: string | null;
  time_zone: string | null;
  working_hours: unknown;
  holidays: unknown;
  created_at: Date;
  updated_at: Date;
}

/** A row of LIST_CALENDARS / SELECT_CALENDAR: the calendar columns are null when nothing is stored. */
type WithZone = { org_time_zone: string } & { [K in keyof CalendarRow]: CalendarRow[K] | null };

const BUILT_IN_NAMES: Record<(typeof BUILT_IN_CALENDARS)[number], string> = {
  '24x7': 'Around the clock',
  'business-hours': 'Business hours (Monday to Friday, 09:00-18:00)',
};

function isBuiltIn(key: string): key is (typeof BUILT_IN_CALENDARS)[number] {
  return (BUILT_IN_CALENDARS as readonly string[]).includes(key);
}

function invalid(errors: readonly FieldError[]): AppError {
  const detail = `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`;
  return new AppError(PlatformErrors['validation-failed'], detail, errors);
}

function notFound(key: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No business calendar "${key}" in this organisation.`);
}

/** A stored row as a calendar body: rows were parsed when written, so a failure here is a bug, not bad input. */
function bodyOf(row: CalendarRow): CalendarBody {
  const parsed = parseCalendar({ name: row.name, time_zone: row.time_zone, working_hours: row.working_hours, holidays: row.holidays });
  if (!parsed.ok) throw new Error(`stored calendar ${row.key} no longer parses: ${parsed.errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`);
  return parsed.value;
}

function storedView(row: CalendarRow, orgTimeZone: string): CalendarView {
  const body = bodyOf(row);
  return {
    key: row.key,
    name: row.name,
    time_zone: body.time_zone,
    effective_time_zone: body.time_zone ?? orgTimeZone,
    working_hours: body.working_hours as CalendarView['working_hours'],
    holidays: [...body.holidays],
    built_in: false,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function builtInView(key: (typeof BUILT_IN_CALENDARS)[number], orgTimeZone: string): CalendarView {
  const calendar = calendarOf(key, undefined, orgTimeZone);
  return {
    key,
    name: BUILT_IN_NAMES[key],
    time_zone: null,
    effective_time_zone: orgTimeZone,
    working_hours: calendar.workingHours as CalendarView['working_hours'],
    holidays: [...calendar.holidays],
    built_in: true,
    created_at: null,
    updated_at: null,
  };
}

/** The row's calendar columns, when a calendar is stored. */
function storedOf(row: WithZone | undefined): CalendarRow | null {
  if (!row || row.key === null || row.created_at === null || row.updated_at === null) return null;
  return { key: row.key, name: row.name, time_zone: row.time_zone, working_hours: row.working_hours, holidays: row.holidays, created_at: row.created_at, updated_at: row.updated_at };
}

/** What the audit log and events record of a calendar. */
function snapshot(view: CalendarView) {
  return { key: view.key, name: view.name, time_zone: view.time_zone, working_hours: view.working_hours, holidays: view.holidays };
}

export class CalendarsService {
  constructor(
    private readonly db: Database,
    /** Now, for the due endpoint without `start`; injectable for tests. */
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Stored calendars and the built-ins not overridden, by key. */
  async list(call: TenantCall): Promise<CalendarView[]> {
    const { rows } = await this.db.tenant.query<WithZone>(call.scope, LIST_CALENDARS);
    const orgTimeZone = rows[0]?.org_time_zone ?? 'UTC';
    const stored = rows.map(storedOf).filter((row): row is CalendarRow => row !== null);
    const views = stored.map((row) => storedView(row, orgTimeZone));
    for (const key of BUILT_IN_CALENDARS) if (!stored.some((row) => row.key === key)) views.push(builtInView(key, orgTimeZone));
    return views.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async get(call: TenantCall, key: string): Promise<CalendarView> {
    const { rows } = await this.db.tenant.query<WithZone>(call.scope, SELECT_CALENDAR, [key]);
    const orgTimeZone = rows[0]?.org_time_zone ?? 'UTC';
    const stored = storedOf(rows[0]);
    if (stored) return storedView(stored, orgTimeZone);
    if (isBuiltIn(key)) return builtInView(key, orgTimeZone);
    throw notFound(key);
  }

  /** Creates or replaces the calendar; `created` tells the route whether to answer 201. */
  async put(call: TenantCall, key: string, body: unknown): Promise<{ calendar: CalendarView; created: boolean }> {
    const parsed = parseCalendar(body);
    if (!parsed.ok) throw invalid(parsed.errors);
    const value = parsed.value;
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const before = (await tx.query<CalendarRow>(LOCK_CALENDAR, [key])).rows[0];
      const { rows } = await tx.query<CalendarRow & { inserted: boolean; org_time_zone: string }>(UPSERT_CALENDAR, [
        key,
        value.name ?? null,
        value.time_zone,
        JSON.stringify(value.working_hours),
        JSON.stringify(value.holidays),
      ]);
      const { inserted, org_time_zone: orgTimeZone, ...row } = rows[0] as CalendarRow & { inserted: boolean; org_time_zone: string };
      const calendar = storedView(row, orgTimeZone);
      const previous = before ? snapshot(storedView(before, orgTimeZone)) : undefined;
      const action = inserted ? 'business_calendar.created' : 'business_calendar.updated';
      await recordAudit(tx, {
        actor: call.actor,
        action,
        target: { type: 'business_calendar', id: key },
        ...(previous ? { before: previous } : {}),
        after: snapshot(calendar),
        origin: call.origin,
      });
      await emitEvent(tx, { type: action, subject: { type: 'business_calendar', id: key }, payload: { calendar: snapshot(calendar), overrides_built_in: isBuiltIn(key) } });
      return { calendar, created: inserted };
    });
  }

  /**
   * Deletes a stored calendar. An override of a built-in may always go (the
   * key then names the built-in again); another calendar may not while a
   * workflow's latest version, or an older version records are still on,
   * refers to it (409 calendar-in-use). A built-in without override: 409.
   */
  async delete(call: TenantCall, key: string): Promise<void> {
    await this.db.tenant.transaction(call.scope, async (tx) => {
      const row = (await tx.query<CalendarRow>(LOCK_CALENDAR, [key])).rows[0];
      if (!row) {
        if (isBuiltIn(key)) throw new AppError(CalendarErrors['calendar-built-in'], `"${key}" is a built-in calendar: it cannot be deleted.`);
        throw notFound(key);
      }
      if (!isBuiltIn(key)) {
        const { rows } = await tx.query<{ workflow_key: string; version: number; definition: unknown }>(DEFINITIONS_IN_USE);
        const users = rows
          .map((use) => ({ key: use.workflow_key, version: use.version, pointers: calendarReferences(use.definition, key) }))
          .filter((use) => use.pointers.length > 0)
          .sort((a, b) => (a.key === b.key ? a.version - b.version : a.key < b.key ? -1 : 1));
        if (users.length > 0) {
          const named = users.map((use) => `${use.key} v${use.version}`).join(', ');
          throw new AppError(CalendarErrors['calendar-in-use'], `Calendar "${key}" is used by ${named}.`, [], { workflows: users });
        }
      }
      const deleted = await tx.query<CalendarRow & { org_time_zone: string }>(DELETE_CALENDAR, [key]);
      const before = snapshot(storedView(row, deleted.rows[0]?.org_time_zone ?? 'UTC'));
      await recordAudit(tx, { actor: call.actor, action: 'business_calendar.deleted', target: { type: 'business_calendar', id: key }, before, origin: call.origin });
      await emitEvent(tx, { type: 'business_calendar.deleted', subject: { type: 'business_calendar', id: key }, payload: { calendar: before } });
    });
  }

  /** When `within` of working time has elapsed after `start` (now by default) under the calendar. */
  async due(call: TenantCall, key: string, query: DueQuery): Promise<DueView> {
    const errors: FieldError[] = [];
    const within = parseDuration(query.within);
    if (!within) errors.push({ pointer: '/within', message: 'must be a duration such as 90s, 15m, 4h, 1h30m, 2d or 1w (at most 366 days)', in: 'query' });
    const start = query.start === undefined ? this.clock() : new Date(query.start);
    if (Number.isNaN(start.getTime())) errors.push({ pointer: '/start', message: 'must be a date-time', in: 'query' });
    if (errors.length > 0 || !within) throw invalid(errors);
    const view = await this.get(call, key);
    const calendar = calendarOf(
      key,
      { time_zone: view.effective_time_zone, working_hours: view.working_hours, holidays: view.holidays },
      view.effective_time_zone,
    );
    try {
      const dueAt = addWorkingTime(start, within.ms, calendar);
      return { calendar: key, time_zone: calendar.timeZone, start: start.toISOString(), within: within.text, due_at: dueAt.toISOString() };
    } catch (error) {
      if (error instanceof NoWorkingTimeError) {
        throw invalid([{ pointer: '/within', message: `has no end: calendar "${key}" has not enough working time within about five years`, in: 'query' }]);
      }
      throw error;
    }
  }
}
