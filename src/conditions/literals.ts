// Recognising and normalising date, datetime and uuid literals. Datetimes
// become epoch microseconds (PostgreSQL's timestamptz precision) so that
// instants written with different offsets compare equal.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** `YYYY-MM-DD`, a real calendar date. */
export function isDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  return match !== null && validDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** ISO 8601 date-time with an explicit offset -> epoch microseconds, or null. */
export function parseDatetime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = DATETIME.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((index) => Number(match[index]));
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (!validDate(year!, month!, day!) || hour! > 23 || minute! > 59 || second > 59) return null;
  const fraction = match[7] ?? '';
  // Rounded to microseconds, as PostgreSQL stores it.
  const micros = fraction === '' ? 0 : Math.round(Number(`0.${fraction}`) * 1_000_000);
  const zone = match[8]!;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2));
    if (offsetHours > 15 || offsetMins > 59) return null;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day!);
  date.setUTCHours(hour!, minute! - offsetMinutes, second, 0);
  const millis = date.getTime();
  return Number.isNaN(millis) ? null : millis * 1000 + micros;
}

export function isDatetime(value: unknown): value is string {
  return parseDatetime(value) !== null;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
