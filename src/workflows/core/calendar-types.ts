// Business calendars: when the clock of an SLA or a timer runs. Pure data;
// calendar.ts does the arithmetic (working time between instants, an instant
// plus working time) in the calendar's IANA time zone, across DST changes.

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Local wall-clock times "HH:MM" (24:00 allowed as an end), start < end, non-overlapping and sorted per day. */
export type WorkingPeriod = readonly [start: string, end: string];

export interface BusinessCalendar {
  readonly key: string;
  /** IANA zone. */
  readonly timeZone: string;
  /** Working periods per weekday; a weekday absent or empty has no working time. */
  readonly workingHours: Readonly<Partial<Record<Weekday, readonly WorkingPeriod[]>>>;
  /** Local dates "YYYY-MM-DD" with no working time. */
  readonly holidays: readonly string[];
}

/** Every hour of every day: durations are plain elapsed time. */
export function twentyFourSeven(timeZone: string): BusinessCalendar {
  const all: readonly WorkingPeriod[] = [['00:00', '24:00']];
  return { key: '24x7', timeZone, workingHours: Object.fromEntries(WEEKDAYS.map((day) => [day, all])), holidays: [] };
}

/** The built-in `business-hours`: Monday to Friday, 09:00-18:00, in the organisation's zone. */
export function defaultBusinessHours(timeZone: string): BusinessCalendar {
  const day: readonly WorkingPeriod[] = [['09:00', '18:00']];
  return { key: 'business-hours', timeZone, workingHours: { mon: day, tue: day, wed: day, thu: day, fri: day }, holidays: [] };
}
