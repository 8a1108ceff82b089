// Business time with a fake clock: every instant is written out, nothing
// reads the real time. Weekends, holidays and DST changes in São Paulo
// (2018-11-04: midnight skipped), Berlin (2026-03-29, 2026-10-25) and New York.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NoWorkingTimeError, addWorkingTime, calendarOf, parseCalendar, workingTimeBetween } from './calendar.ts';
import { WEEKDAYS, defaultBusinessHours, twentyFourSeven, type BusinessCalendar, type WorkingPeriod } from './calendar-types.ts';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

function calendar(timeZone: string, workingHours: BusinessCalendar['workingHours'], holidays: string[] = []): BusinessCalendar {
  return { key: 'test', timeZone, workingHours, holidays };
}
const sundays = (timeZone: string, ...periods: WorkingPeriod[]) => calendar(timeZone, { sun: periods });

describe('addWorkingTime', () => {
  test('skips the weekend (Berlin business hours, Friday 16:00 + 4h = Monday 11:00, across the spring DST change)', () => {
    const berlin = defaultBusinessHours('Europe/Berlin');
    assert.equal(iso(addWorkingTime(at('2026-03-27T15:00:00Z'), 4 * HOUR, berlin)), '2026-03-30T09:00:00.000Z');
  });

  test('starts the clock at the next working period when started outside working time', () => {
    const saoPaulo = defaultBusinessHours('America/Sao_Paulo');
    // Saturday 2026-03-07 10:00 local → Monday 09:00 + 1h
    assert.equal(iso(addWorkingTime(at('2026-03-07T13:00:00Z'), HOUR, saoPaulo)), '2026-03-09T13:00:00.000Z');
    // Monday 07:00 local → 09:00 + 30m
    assert.equal(iso(addWorkingTime(at('2026-03-09T10:00:00Z'), HOUR / 2, saoPaulo)), '2026-03-09T12:30:00.000Z');
  });

  test('ends exactly at the end of a period rather than at the next start', () => {
    const saoPaulo = defaultBusinessHours('America/Sao_Paulo');
    assert.equal(iso(addWorkingTime(at('2026-03-09T12:00:00Z'), 9 * HOUR, saoPaulo)), '2026-03-09T21:00:00.000Z');
  });

  test('skips a holiday', () => {
    const withChristmas = { ...defaultBusinessHours('Europe/Berlin'), holidays: ['2026-12-25'] };
    // Thursday 2026-12-24 17:00 CET + 2h → Friday is a holiday → Monday 28th 10:00 CET
    assert.equal(iso(addWorkingTime(at('2026-12-24T16:00:00Z'), 2 * HOUR, withChristmas)), '2026-12-28T09:00:00.000Z');
  });

  test('ms = 0 answers the start', () => {
    assert.equal(iso(addWorkingTime(at('2026-03-07T13:00:00Z'), 0, defaultBusinessHours('UTC'))), '2026-03-07T13:00:00.000Z');
  });

  test('24x7 is elapsed time, DST or not', () => {
    const berlin = twentyFourSeven('Europe/Berlin');
    assert.equal(iso(addWorkingTime(at('2026-03-28T12:00:00Z'), 24 * HOUR, berlin)), '2026-03-29T12:00:00.000Z');
  });

  test('a period start inside the spring-forward gap starts after the gap (Berlin 2026-03-29, 02:30 does not exist)', () => {
    const late = sundays('Europe/Berlin', ['02:30', '05:00']);
    assert.equal(iso(addWorkingTime(at('2026-03-28T00:00:00Z'), 1, late)), '2026-03-29T01:00:00.001Z'); // 03:00 CEST
    assert.equal(workingTimeBetween(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), late), 2 * HOUR); // 03:00-05:00
  });

  test('São Paulo 2018-11-04: midnight is skipped, the day starts at 01:00 and has 23 hours', () => {
    const sunday = sundays('America/Sao_Paulo', ['00:00', '24:00']);
    assert.equal(iso(addWorkingTime(at('2018-11-03T12:00:00Z'), 1, sunday)), '2018-11-04T03:00:00.001Z'); // 01:00 -02
    assert.equal(workingTimeBetween(at('2018-11-01T00:00:00Z'), at('2018-11-10T00:00:00Z'), sunday), 23 * HOUR);
    // Business hours on the Friday before and the Monday after are unaffected, 9 h each, across the offset change.
    const business = defaultBusinessHours('America/Sao_Paulo');
    assert.equal(workingTimeBetween(at('2018-11-02T00:00:00Z'), at('2018-11-06T00:00:00Z'), business), 18 * HOUR);
    // Friday 17:00 -03 + 2h → Monday 10:00 -02 = 12:00Z
    assert.equal(iso(addWorkingTime(at('2018-11-02T20:00:00Z'), 2 * HOUR, business)), '2018-11-05T12:00:00.000Z');
  });
});

describe('workingTimeBetween', () => {
  test('Berlin spring forward (2026-03-29): a day is 23 h, a period holding the skipped hour is an hour shorter', () => {
    assert.equal(workingTimeBetween(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), sundays('Europe/Berlin', ['00:00', '24:00'])), 23 * HOUR);
    assert.equal(workingTimeBetween(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), sundays('Europe/Berlin', ['01:00', '04:00'])), 2 * HOUR);
  });

  test('Berlin fall back (2026-10-25): a day is 25 h, a period holding the repeated hour is an hour longer', () => {
    const start = at('2026-10-24T00:00:00Z');
    const end = at('2026-10-26T00:00:00Z');
    assert.equal(workingTimeBetween(start, end, sundays('Europe/Berlin', ['00:00', '24:00'])), 25 * HOUR);
    assert.equal(workingTimeBetween(start, end, sundays('Europe/Berlin', ['01:00', '04:00'])), 4 * HOUR);
    // An end inside the repeated hour is read at its last occurrence: 01:00 CEST .. 02:30 CET.
    assert.equal(workingTimeBetween(start, end, sundays('Europe/Berlin', ['01:00', '02:30'])), 2.5 * HOUR);
    // A start inside it at its first occurrence: 02:30 CEST .. 04:00 CET.
    assert.equal(workingTimeBetween(start, end, sundays('Europe/Berlin', ['02:30', '04:00'])), 2.5 * HOUR);
  });

  test('New York 2026-03-08: 09:00-18:00 on a weekend across the change counts 9 h a day', () => {
    const everyDay = calendar('America/New_York', Object.fromEntries(WEEKDAYS.map((day) => [day, [['09:00', '18:00']] as const])));
    assert.equal(workingTimeBetween(at('2026-03-07T14:00:00Z'), at('2026-03-08T22:00:00Z'), everyDay), 18 * HOUR);
    // Saturday 17:00 EST + 2h → Sunday 10:00 EDT = 14:00Z
    assert.equal(iso(addWorkingTime(at('2026-03-07T22:00:00Z'), 2 * HOUR, everyDay)), '2026-03-08T14:00:00.000Z');
  });

  test('is negative when to is before from, zero for equal instants', () => {
    const business = defaultBusinessHours('UTC');
    assert.equal(workingTimeBetween(at('2026-03-09T12:00:00Z'), at('2026-03-09T10:00:00Z'), business), -2 * HOUR);
    assert.equal(workingTimeBetween(at('2026-03-09T12:00:00Z'), at('2026-03-09T12:00:00Z'), business), 0);
    assert.equal(workingTimeBetween(at('2026-03-09T12:00:00Z'), at('2026-03-09T10:00:00Z'), twentyFourSeven('UTC')), -2 * HOUR);
  });
});

describe('calendars without working time', () => {
  test('addWorkingTime throws NoWorkingTimeError instead of searching forever', () => {
    assert.throws(() => addWorkingTime(at('2026-01-01T00:00:00Z'), HOUR, calendar('UTC', {})), NoWorkingTimeError);
    // Working time exists, but not enough of it within the horizon (about five years).
    const rare = calendar('UTC', { mon: [['09:00', '09:01']] });
    assert.throws(() => addWorkingTime(at('2026-01-01T00:00:00Z'), 366 * 24 * HOUR, rare), NoWorkingTimeError);
    assert.equal(workingTimeBetween(at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'), calendar('UTC', {})), 0);
  });

  test('a negative amount is a RangeError', () => {
    assert.throws(() => addWorkingTime(at('2026-01-01T00:00:00Z'), -1, twentyFourSeven('UTC')), RangeError);
  });
});

describe('parseCalendar', () => {
  test('accepts a calendar and normalises its holidays', () => {
    const parsed = parseCalendar({ name: 'Support', time_zone: 'Europe/Berlin', working_hours: { mon: [['08:00', '12:00'], ['13:00', '24:00']], sun: [] }, holidays: ['2026-12-26', '2026-12-25', '2026-12-25'] });
    assert.deepEqual(parsed, { ok: true, value: { name: 'Support', time_zone: 'Europe/Berlin', working_hours: { mon: [['08:00', '12:00'], ['13:00', '24:00']] }, holidays: ['2026-12-25', '2026-12-26'] } });
    assert.deepEqual(parseCalendar({ working_hours: { tue: [['09:00', '17:00']] } }), { ok: true, value: { time_zone: null, working_hours: { tue: [['09:00', '17:00']] }, holidays: [] } });
  });

  test('reports every problem with a pointer', () => {
    const parsed = parseCalendar({
      colour: 'red', time_zone: 'Mars/Olympus',
      working_hours: { mon: [['09:00', '08:00']], tue: [['09:00', '12:00'], ['11:00', '13:00']], wed: [['24:00', '24:00']], thu: [['9:00', '10:00']], fri: [['10:00', '24:30']], funday: [] },
      holidays: ['2026-02-30', 5],
    }, '/body');
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.deepEqual(parsed.errors.map((error) => error.pointer).sort(), [
      '/body/colour', '/body/holidays/0', '/body/holidays/1', '/body/time_zone',
      '/body/working_hours/fri/0/1', '/body/working_hours/funday', '/body/working_hours/mon/0', '/body/working_hours/thu/0/0',
      '/body/working_hours/tue/1', '/body/working_hours/wed/0/0',
    ]);
  });

  test('refuses a calendar with no working time at all', () => {
    const parsed = parseCalendar({ working_hours: { mon: [] } });
    assert.deepEqual(parsed.ok ? [] : parsed.errors.map((error) => error.pointer), ['/working_hours']);
    assert.equal(parseCalendar([]).ok, false);
  });
});

describe('calendarOf', () => {
  test('stored calendars win; built-ins otherwise; unknown keys count as 24x7', () => {
    const stored = { time_zone: null, working_hours: { mon: [['10:00', '11:00']] as WorkingPeriod[] }, holidays: [] };
    assert.deepEqual(calendarOf('support', stored, 'UTC'), { key: 'support', timeZone: 'UTC', workingHours: stored.working_hours, holidays: [] });
    assert.deepEqual(calendarOf('business-hours', undefined, 'UTC'), defaultBusinessHours('UTC'));
    assert.deepEqual(calendarOf('24x7', undefined, 'UTC'), twentyFourSeven('UTC'));
    assert.equal(calendarOf('gone', undefined, 'UTC').key, 'gone');
    assert.equal(workingTimeBetween(at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z'), calendarOf('gone', undefined, 'UTC')), 24 * HOUR);
  });
});

describe('properties', () => {
  const zones = ['UTC', 'Europe/Berlin', 'America/Sao_Paulo', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];
  const time = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  // Boundaries on a 30-minute grid (DST changes happen at 00:00, 01:00, 02:00, 03:00 and, on Lord Howe, by 30 minutes).
  const day = fc.uniqueArray(fc.integer({ min: 0, max: 48 }), { maxLength: 6 }).map((marks) => {
    const sorted = [...marks].sort((a, b) => a - b);
    const periods: WorkingPeriod[] = [];
    for (let index = 0; index + 1 < sorted.length; index += 2) periods.push([time(sorted[index]! * 30), time(sorted[index + 1]! * 30)]);
    return periods;
  });
  const calendars = fc.record({
    timeZone: fc.constantFrom(...zones),
    days: fc.array(day, { minLength: 7, maxLength: 7 }),
    holidays: fc.array(fc.date({ min: new Date('2018-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10)), { maxLength: 20 }),
  }).filter(({ days }) => days.some((periods) => periods.length > 0))
    .map(({ timeZone, days, holidays }) => calendar(timeZone, Object.fromEntries(WEEKDAYS.map((name, index) => [name, days[index]!])), holidays));
  // Starts around the DST changes tested above and elsewhere.
  const starts = fc.oneof(
    fc.date({ min: new Date('2018-10-25T00:00:00Z'), max: new Date('2018-11-10T00:00:00Z'), noInvalidDate: true }),
    fc.date({ min: new Date('2026-03-20T00:00:00Z'), max: new Date('2026-04-10T00:00:00Z'), noInvalidDate: true }),
    fc.date({ min: new Date('2026-10-15T00:00:00Z'), max: new Date('2026-11-10T00:00:00Z'), noInvalidDate: true }),
    fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }),
  );
  const amounts = fc.integer({ min: 0, max: 20 * 24 * 60 }).map((minutes) => minutes * 60_000);

  /** The end, or null when the calendar has not that much working time within MAX_SEARCH_DAYS. */
  const reachable = (add: () => Date): Date | null => {
    try {
      return add();
    } catch (error) {
      if (error instanceof NoWorkingTimeError) return null;
      throw error;
    }
  };

  test('workingTimeBetween(start, addWorkingTime(start, ms)) === ms', () => {
    fc.assert(fc.property(calendars, starts, amounts, (cal, start, ms) => {
      const end = reachable(() => addWorkingTime(start, ms, cal));
      // A sparse calendar may not hold that much working time within the search horizon (it throws, tested above).
      fc.pre(end !== null);
      assert.ok(end.getTime() >= start.getTime());
      assert.equal(workingTimeBetween(start, end, cal), ms);
    }), { numRuns: 300 });
  });

  test('monotonic: more working time never ends earlier; a later end never counts less', () => {
    fc.assert(fc.property(calendars, starts, amounts, amounts, (cal, start, a, b) => {
      const [small, large] = a <= b ? [a, b] : [b, a];
      const smallEnd = reachable(() => addWorkingTime(start, small, cal));
      const largeEnd = reachable(() => addWorkingTime(start, large, cal));
      if (smallEnd !== null && largeEnd !== null) assert.ok(smallEnd.getTime() <= largeEnd.getTime());
      const near = new Date(start.getTime() + small);
      const far = new Date(start.getTime() + large);
      assert.ok(workingTimeBetween(start, near, cal) <= workingTimeBetween(start, far, cal));
      // Additive and antisymmetric.
      assert.equal(workingTimeBetween(start, near, cal) + workingTimeBetween(near, far, cal), workingTimeBetween(start, far, cal));
      // (A sum, not a negation: -0 and 0 differ for assert.equal.)
      assert.equal(workingTimeBetween(far, start, cal) + workingTimeBetween(start, far, cal), 0);
    }), { numRuns: 200 });
  });
});
