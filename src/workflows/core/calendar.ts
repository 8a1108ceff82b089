// Business time: how much working time lies between two instants, and when a
// given amount of working time has elapsed. Pure (the clock is an argument).
//
// How time is computed (docs/workflows.md, "Time"):
// - Working periods are local wall-clock times in the calendar's IANA zone
//   ("09:00"-"18:00" means nine to six as the zone's clocks show it, whatever
//   the UTC offset that day). Instants are mapped to wall time with
//   Intl.DateTimeFormat (src/conditions/time-zone.ts), so the tz database of
//   the running Node decides every offset.
// - A holiday ("YYYY-MM-DD") is a whole local day without working time.
// - Daylight saving: a period is the stretch of real time between its start
//   and its end as the clocks show them. On a spring-forward day a period
//   that contains the skipped hour is an hour shorter; on a fall-back day a
//   period that contains the repeated hour is an hour longer. A bound that
//   does not exist (inside the gap) is the first instant after the gap, so a
//   "02:30" start on a day whose clocks jump from 02:00 to 03:00 starts at
//   03:00. A bound that exists twice (inside the repeated hour) is read at
//   its first occurrence for a start and its last occurrence for an end, so
//   a period stays one contiguous stretch and never shrinks.
// - Durations under a calendar count working time only: `4h` under
//   09:00-18:00 started at 16:00 ends at 11:00 the next working day. Under
//   `24x7` (every day 00:00-24:00, no holidays) working time is elapsed
//   time, DST or not.
// - addWorkingTime searches at most MAX_SEARCH_DAYS ahead and throws
//   NoWorkingTimeError when the calendar has no working time at all or not
//   enough of it within that horizon; callers treat that as "no due date".
import { addDays, formatDate, isoWeekday, localDateTime, offsetMs, wallClockMs } from '../../conditions/time-zone.ts';
import { WEEKDAYS, type BusinessCalendar } from './calendar-types.ts';

export { CALENDAR_LIMITS, calendarOf, parseCalendar, type CalendarBody, type CalendarParseResult } from './calendar-body.ts';

const DAY_MS = 86_400_000;
/** How far addWorkingTime looks ahead (about five years). */
export const MAX_SEARCH_DAYS = 5 * 366;

/** The calendar has no working time within the search horizon (MAX_SEARCH_DAYS). */
export class NoWorkingTimeError extends Error {
  readonly code = 'no-working-time';
  constructor(readonly calendarKey: string) {
    super(`calendar ${calendarKey} has no working time within ${MAX_SEARCH_DAYS} days`);
    this.name = 'NoWorkingTimeError';
  }
}

interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** A calendar prepared for arithmetic: periods in minutes per ISO weekday (index 0 = Monday). */
interface Prepared {
  readonly days: readonly (readonly (readonly [number, number])[])[];
  readonly holidays: ReadonlySet<string>;
  readonly hasWork: boolean;
  /** Every day 00:00-24:00 and no holidays: working time is elapsed time. */
  readonly continuous: boolean;
}

const prepared = new WeakMap<BusinessCalendar, Prepared>();

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

function prepare(calendar: BusinessCalendar): Prepared {
  let found = prepared.get(calendar);
  if (!found) {
    const days = WEEKDAYS.map((day) => (calendar.workingHours[day] ?? []).map(([start, end]) => [minutesOf(start), minutesOf(end)] as const)
      .filter(([start, end]) => start < end));
    const continuous = calendar.holidays.length === 0 && days.every((periods) => periods.length === 1 && periods[0]![0] === 0 && periods[0]![1] === 1440);
    found = { days, holidays: new Set(calendar.holidays), hasWork: days.some((periods) => periods.length > 0), continuous };
    prepared.set(calendar, found);
  }
  return found;
}

/** The first instant whose offset is `afterOffset`, between lo (still the old offset) and hi (already the new one). */
function transitionInstant(lo: number, hi: number, afterOffset: number, timeZone: string): number {
  while (hi - lo > 1) {
    const middle = Math.floor((lo + hi) / 2);
    if (offsetMs(middle, timeZone) === afterOffset) hi = middle;
    else lo = middle;
  }
  return hi;
}

/**
 * Resolved local times, memoised: Intl formatting dominates the cost of
 * business time, and the same few days are asked for again and again (every
 * record entering a state today). A pure cache, cleared when it grows.
 */
const resolved = new Map<string, number>();
const RESOLVED_MAX = 20_000;

/** The instant of a local date plus minutes (1440 = next midnight), resolved as the header describes. */
function instantAt(date: LocalDate, minutes: number, timeZone: string, occurrence: 'first' | 'last'): number {
  const key = `${timeZone}|${date.year}-${date.month}-${date.day}|${minutes}|${occurrence}`;
  let instant = resolved.get(key);
  if (instant === undefined) {
    if (resolved.size >= RESOLVED_MAX) resolved.clear();
    instant = resolveInstant(date, minutes, timeZone, occurrence);
    resolved.set(key, instant);
  }
  return instant;
}

function resolveInstant(date: LocalDate, minutes: number, timeZone: string, occurrence: 'first' | 'last'): number {
  const wall = wallClockMs({ ...date, hour: 0, minute: minutes, second: 0, millisecond: 0 });
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  if (before === after) return wall - before;
  const valid = [...new Set([wall - before, wall - after])].filter((instant) => offsetMs(instant, timeZone) === wall - instant).sort((a, b) => a - b);
  if (valid.length === 0) return transitionInstant(wall - after, wall - before, after, timeZone);
  return occurrence === 'first' ? valid[0]! : valid[valid.length - 1]!;
}

/** The working periods of one local date as [start, end) instants. */
function periodsOn(date: LocalDate, calendar: BusinessCalendar, ready: Prepared): [number, number][] {
  if (ready.holidays.has(formatDate(date))) return [];
  const periods = ready.days[isoWeekday(date.year, date.month, date.day) - 1]!;
  return periods.map(([start, end]) => [instantAt(date, start, calendar.timeZone, 'first'), instantAt(date, end, calendar.timeZone, 'last')]);
}

function localDateOf(instant: number, timeZone: string): LocalDate {
  const local = localDateTime(instant, timeZone);
  return { year: local.year, month: local.month, day: local.day };
}

function nextDate(date: LocalDate, days = 1): LocalDate {
  return addDays(date.year, date.month, date.day, days);
}

/**
 * The instant at which `ms` of working time has elapsed after `start`; when
 * start is outside working time the clock starts with the next period. ms = 0
 * answers start. Throws NoWorkingTimeError (see the header), RangeError for a
 * negative or non-finite ms.
 */
export function addWorkingTime(start: Date, ms: number, calendar: BusinessCalendar): Date {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`working time must be a finite, non-negative number of milliseconds: ${ms}`);
  const ready = prepare(calendar);
  const origin = start.getTime();
  if (ready.continuous) return new Date(origin + ms);
  if (!ready.hasWork) throw new NoWorkingTimeError(calendar.key);
  if (ms === 0) return new Date(origin);
  let remaining = ms;
  let cursor = origin;
  // From the day before: a period of that day can end after local midnight's first occurrence.
  let date = nextDate(localDateOf(origin, calendar.timeZone), -1);
  for (let day = 0; day <= MAX_SEARCH_DAYS; day++, date = nextDate(date)) {
    for (const [periodStart, periodEnd] of periodsOn(date, calendar, ready)) {
      if (periodEnd <= cursor) continue;
      const from = Math.max(periodStart, cursor);
      const available = periodEnd - from;
      if (remaining <= available) return new Date(from + remaining);
      remaining -= available;
      cursor = periodEnd;
    }
  }
  throw new NoWorkingTimeError(calendar.key);
}

/** Working time between two instants in ms; negative when `to` is before `from`. */
export function workingTimeBetween(from: Date, to: Date, calendar: BusinessCalendar): number {
  const start = from.getTime();
  const end = to.getTime();
  if (end < start) return -workingTimeBetween(to, from, calendar);
  const ready = prepare(calendar);
  if (ready.continuous) return end - start;
  if (!ready.hasWork || end === start) return 0;
  let total = 0;
  let covered = start;
  const last = formatDate(localDateOf(end, calendar.timeZone));
  for (let date = nextDate(localDateOf(start, calendar.timeZone), -1); formatDate(date) <= last; date = nextDate(date)) {
    for (const [periodStart, periodEnd] of periodsOn(date, calendar, ready)) {
      const overlapStart = Math.max(periodStart, covered);
      const overlapEnd = Math.min(periodEnd, end);
      if (overlapEnd > overlapStart) {
        total += overlapEnd - overlapStart;
        covered = overlapEnd;
      }
    }
  }
  return total;
}
