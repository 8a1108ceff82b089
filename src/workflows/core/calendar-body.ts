// Stored calendars: the body of PUT /api/business-calendars/{key} (shape
// only, every problem with a JSON Pointer), and the calendar a key names
// (stored, else built-in). calendar.ts does the arithmetic and re-exports these.
import type { FieldError } from '../../platform/http/errors.ts';
import { isDate } from '../../conditions/literals.ts';
import { isTimeZone } from '../../conditions/time-zone.ts';
import {
  WEEKDAYS, defaultBusinessHours, twentyFourSeven, type BusinessCalendar, type Weekday, type WorkingPeriod,
} from './calendar-types.ts';

export const CALENDAR_LIMITS = { periodsPerDay: 12, holidays: 1000, name: 120 } as const;

export interface CalendarBody {
  readonly name?: string;
  /** null: the organisation's time zone. */
  readonly time_zone: string | null;
  readonly working_hours: Readonly<Partial<Record<Weekday, readonly WorkingPeriod[]>>>;
  readonly holidays: readonly string[];
}

export type CalendarParseResult = { ok: true; value: CalendarBody } | { ok: false; errors: FieldError[] };

const CALENDAR_MEMBERS = ['name', 'time_zone', 'working_hours', 'holidays'] as const;
const TIME = /^(\d{2}):(\d{2})$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escape(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** "HH:MM" from 00:00 to 24:00 as minutes, or null. */
function timeOfDay(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = TIME.exec(value);
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return null;
  return hours * 60 + minutes;
}

function parsePeriods(value: unknown, pointer: string, errors: FieldError[]): WorkingPeriod[] | undefined {
  if (!Array.isArray(value)) {
    errors.push({ pointer, message: 'must be an array of ["HH:MM", "HH:MM"] periods' });
    return undefined;
  }
  if (value.length > CALENDAR_LIMITS.periodsPerDay) {
    errors.push({ pointer, message: `must have at most ${CALENDAR_LIMITS.periodsPerDay} periods` });
    return undefined;
  }
  const periods: WorkingPeriod[] = [];
  let previousEnd = -1;
  value.forEach((period: unknown, index) => {
    const at = `${pointer}/${index}`;
    if (!Array.isArray(period) || period.length !== 2) {
      errors.push({ pointer: at, message: 'must be a pair ["HH:MM", "HH:MM"]' });
      return;
    }
    const start = timeOfDay(period[0]);
    const end = timeOfDay(period[1]);
    if (start === null || start === 1440) errors.push({ pointer: `${at}/0`, message: 'must be a time "HH:MM" from 00:00 to 23:59' });
    if (end === null) errors.push({ pointer: `${at}/1`, message: 'must be a time "HH:MM" from 00:00 to 24:00' });
    if (start === null || start === 1440 || end === null) return;
    if (start >= end) {
      errors.push({ pointer: at, message: 'must end after it starts' });
      return;
    }
    if (start < previousEnd) {
      errors.push({ pointer: at, message: 'must start at or after the end of the period before it (periods are sorted and do not overlap)' });
      return;
    }
    previousEnd = end;
    periods.push([period[0] as string, period[1] as string]);
  });
  return periods;
}

function parseWorkingHours(value: unknown, pointer: string, errors: FieldError[]): CalendarBody['working_hours'] | undefined {
  if (!isObject(value)) {
    errors.push({ pointer, message: 'is required: an object of weekdays (mon..sun) to working periods' });
    return undefined;
  }
  const hours: Partial<Record<Weekday, readonly WorkingPeriod[]>> = {};
  const before = errors.length;
  for (const [name, periods] of Object.entries(value)) {
    const at = `${pointer}/${escape(name)}`;
    if (!(WEEKDAYS as readonly string[]).includes(name)) {
      errors.push({ pointer: at, message: `is not a weekday; use ${WEEKDAYS.join(', ')}` });
      continue;
    }
    const parsed = parsePeriods(periods, at, errors);
    if (parsed && parsed.length > 0) hours[name as Weekday] = parsed;
  }
  if (errors.length === before && Object.keys(hours).length === 0) {
    errors.push({ pointer, message: 'must have at least one working period (use the 24x7 calendar for round-the-clock time)' });
  }
  return hours;
}

function parseHolidays(value: unknown, pointer: string, errors: FieldError[]): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.push({ pointer, message: 'must be an array of dates "YYYY-MM-DD"' });
    return undefined;
  }
  if (value.length > CALENDAR_LIMITS.holidays) {
    errors.push({ pointer, message: `must have at most ${CALENDAR_LIMITS.holidays} dates` });
    return undefined;
  }
  value.forEach((date: unknown, index) => {
    if (!isDate(date)) errors.push({ pointer: `${pointer}/${index}`, message: 'must be a date "YYYY-MM-DD"' });
  });
  // Sorted and without repeats: equal calendars are equal JSON.
  return [...new Set(value.filter(isDate))].sort();
}

/** Shape-checks a calendar body; every problem is reported with a JSON Pointer. */
export function parseCalendar(input: unknown, pointerPrefix = ''): CalendarParseResult {
  const errors: FieldError[] = [];
  if (!isObject(input)) return { ok: false, errors: [{ pointer: pointerPrefix, message: 'must be an object with working_hours (and optionally name, time_zone, holidays)' }] };
  for (const name of Object.keys(input)) {
    if (!(CALENDAR_MEMBERS as readonly string[]).includes(name)) {
      errors.push({ pointer: `${pointerPrefix}/${escape(name)}`, message: `is not a known member; allowed: ${CALENDAR_MEMBERS.join(', ')}` });
    }
  }
  let name: string | undefined;
  if (input.name !== undefined && input.name !== null) {
    if (typeof input.name !== 'string' || input.name.trim() === '' || [...input.name].length > CALENDAR_LIMITS.name) {
      errors.push({ pointer: `${pointerPrefix}/name`, message: `must be a non-empty string of at most ${CALENDAR_LIMITS.name} characters` });
    } else name = input.name;
  }
  let timeZone: string | null = null;
  if (input.time_zone !== undefined && input.time_zone !== null) {
    if (typeof input.time_zone !== 'string' || !isTimeZone(input.time_zone)) {
      errors.push({ pointer: `${pointerPrefix}/time_zone`, message: 'must be an IANA time zone such as America/Sao_Paulo, or null for the organisation\'s zone' });
    } else timeZone = input.time_zone;
  }
  const workingHours = parseWorkingHours(input.working_hours, `${pointerPrefix}/working_hours`, errors);
  const holidays = parseHolidays(input.holidays, `${pointerPrefix}/holidays`, errors);
  if (errors.length > 0 || !workingHours || !holidays) return { ok: false, errors };
  return { ok: true, value: { ...(name === undefined ? {} : { name }), time_zone: timeZone, working_hours: workingHours, holidays } };
}

/**
 * The calendar a key names: the organisation's stored one, else a built-in
 * (`24x7`, `business-hours`) in the organisation's zone. A key with neither
 * (a calendar deleted after a workflow was published) counts as `24x7`, so
 * timers still fire rather than never.
 */
export function calendarOf(key: string, stored: CalendarBody | undefined, orgTimeZone: string): BusinessCalendar {
  if (stored) {
    return { key, timeZone: stored.time_zone ?? orgTimeZone, workingHours: stored.working_hours, holidays: stored.holidays };
  }
  if (key === 'business-hours') return defaultBusinessHours(orgTimeZone);
  return { ...twentyFourSeven(orgTimeZone), key };
}
