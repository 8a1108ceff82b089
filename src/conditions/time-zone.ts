// Wall-clock arithmetic in an IANA time zone with nothing but Intl: the local
// fields of an instant, and the instant of a local time. Local times that do
// not exist (a DST gap) or exist twice (a DST overlap) are resolved as
// PostgreSQL resolves them: a skipped time uses the offset in force before
// the transition (so it lands after the gap), a repeated time uses the offset
// in force after it (the later instant).

export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, found);
  }
  return found;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Epoch milliseconds of a wall-clock time read as if it were UTC (years 0..99 included). */
export function wallClockMs(local: LocalDateTime): number {
  const date = new Date(0);
  date.setUTCFullYear(local.year, local.month - 1, local.day);
  date.setUTCHours(local.hour, local.minute, local.second, local.millisecond);
  return date.getTime();
}

export function localDateTime(instantMs: number, timeZone: string): LocalDateTime {
  const fields: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) fields[part.type] = part.value;
  const year = Number(fields.year);
  const millisecond = ((instantMs % 1000) + 1000) % 1000;
  return {
    year: fields.era === 'BC' || fields.era === 'B' ? 1 - year : year,
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour) % 24,
    minute: Number(fields.minute),
    second: Number(fields.second),
    millisecond,
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
export function offsetMs(instantMs: number, timeZone: string): number {
  return wallClockMs(localDateTime(instantMs, timeZone)) - instantMs;
}

/** The instant at which the zone's clocks show `local`. */
export function instantOf(local: LocalDateTime, timeZone: string): number {
  const wall = wallClockMs(local);
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  const valid = [...new Set([before, after])].map((offset) => wall - offset).filter((instant) => offsetMs(instant, timeZone) === wall - instant);
  if (valid.length === 0) return wall - before; // skipped by a gap: PostgreSQL reads it with the earlier offset
  if (valid.length > 1) return wall - after; // repeated by an overlap: PostgreSQL takes the later offset
  return valid[0]!;
}

/** Calendar arithmetic on a date, independent of any zone. */
export function addDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day + days);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** ISO weekday: Monday 1 ... Sunday 7. */
export function isoWeekday(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCDay() === 0 ? 7 : date.getUTCDay();
}

export function formatDate(date: { year: number; month: number; day: number }): string {
  const year = date.year < 0 ? `-${String(-date.year).padStart(4, '0')}` : String(date.year).padStart(4, '0');
  return `${year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}
