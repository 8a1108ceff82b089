// The values of `relative` and `start_of` operands, computed from the
// caller's clock and time zone (never read here). Exported so the SQL backend
// binds exactly the values the in-memory evaluator compares with.
//
// - relative m/h: an exact duration from now.
// - relative d/w: calendar days (weeks = 7 days) in the time zone: the same wall-clock
//   time n days away, so "-1d" across a DST change is 23 or 25 hours (as PostgreSQL's
//   `timestamptz - interval '1 day'` with that TimeZone).
// - start_of: local midnight starting the day, ISO week (Monday), month, quarter or year.
// - For a `date` field the operand is the local calendar date of that instant.
import type { RelativeUnit, StartOfUnit } from './ast.ts';
import { addDays, formatDate, instantOf, isoWeekday, localDateTime } from './time-zone.ts';

const MINUTE_MS = 60_000;

export function relativeInstant(now: Date, amount: number, unit: RelativeUnit, timeZone: string): number {
  switch (unit) {
    case 'm': return now.getTime() + amount * MINUTE_MS;
    case 'h': return now.getTime() + amount * 60 * MINUTE_MS;
    case 'd':
    case 'w': {
      const local = localDateTime(now.getTime(), timeZone);
      const date = addDays(local.year, local.month, local.day, amount * (unit === 'w' ? 7 : 1));
      return instantOf({ ...local, ...date }, timeZone);
    }
  }
}

export function relativeDate(now: Date, amount: number, unit: RelativeUnit, timeZone: string): string {
  const local = localDateTime(now.getTime(), timeZone);
  if (unit === 'd' || unit === 'w') return formatDate(addDays(local.year, local.month, local.day, amount * (unit === 'w' ? 7 : 1)));
  const moved = localDateTime(relativeInstant(now, amount, unit, timeZone), timeZone);
  return formatDate(moved);
}

export function startOfDate(now: Date, unit: StartOfUnit, timeZone: string): string {
  const { year, month, day } = localDateTime(now.getTime(), timeZone);
  switch (unit) {
    case 'day': return formatDate({ year, month, day });
    case 'week': return formatDate(addDays(year, month, day, 1 - isoWeekday(year, month, day)));
    case 'month': return formatDate({ year, month, day: 1 });
    case 'quarter': return formatDate({ year, month: month - ((month - 1) % 3), day: 1 });
    case 'year': return formatDate({ year, month: 1, day: 1 });
  }
}

export function startOfInstant(now: Date, unit: StartOfUnit, timeZone: string): number {
  const [year, month, day] = startOfDate(now, unit, timeZone).split('-').map(Number) as [number, number, number];
  return instantOf({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 }, timeZone);
}
