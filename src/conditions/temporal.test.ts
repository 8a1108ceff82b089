import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { relativeDate, relativeInstant, startOfDate, startOfInstant } from './temporal.ts';
import { instantOf, isTimeZone } from './time-zone.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('relative and start_of', () => {
  test('start_of in a time zone: day, ISO week from Monday, month, quarter, year', () => {
    const now = new Date('2026-11-25T01:30:00Z'); // Tuesday 24 November, 22:30 in São Paulo (-03:00)
    const zone = 'America/Sao_Paulo';
    assert.equal(iso(startOfInstant(now, 'day', zone)), '2026-11-24T03:00:00.000Z');
    assert.equal(iso(startOfInstant(now, 'week', zone)), '2026-11-23T03:00:00.000Z');
    assert.equal(iso(startOfInstant(now, 'month', zone)), '2026-11-01T03:00:00.000Z');
    assert.equal(iso(startOfInstant(now, 'quarter', zone)), '2026-10-01T03:00:00.000Z');
    assert.equal(iso(startOfInstant(now, 'year', zone)), '2026-01-01T03:00:00.000Z');
    assert.equal(startOfDate(now, 'day', 'UTC'), '2026-11-25');
    assert.equal(startOfDate(now, 'week', 'UTC'), '2026-11-23');
    assert.equal(startOfDate(new Date('2026-11-29T12:00:00Z'), 'week', 'UTC'), '2026-11-23', 'Sunday belongs to the week that began on Monday');
  });

  test('start_of day when local midnight does not exist uses the first instant of the day', () => {
    // Brazil, 2018-11-04: clocks jumped from 00:00 (-03:00) to 01:00 (-02:00).
    assert.equal(iso(startOfInstant(new Date('2018-11-04T15:00:00Z'), 'day', 'America/Sao_Paulo')), '2018-11-04T03:00:00.000Z');
  });

  test('a wall-clock time repeated by DST resolves to the later instant, a skipped one moves past the gap (as PostgreSQL)', () => {
    // Brazil, 2019-02-17 00:00 (-02:00) went back to 2019-02-16 23:00 (-03:00).
    assert.equal(iso(instantOf({ year: 2019, month: 2, day: 16, hour: 23, minute: 30, second: 0, millisecond: 0 }, 'America/Sao_Paulo')), '2019-02-17T02:30:00.000Z');
    // New York, 2026-03-08 02:30 does not exist: read with the -05:00 offset, it is 03:30 EDT.
    assert.equal(iso(instantOf({ year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0, millisecond: 0 }, 'America/New_York')), '2026-03-08T07:30:00.000Z');
  });

  test('relative days are calendar days in the zone; minutes and hours are exact', () => {
    const now = new Date('2026-03-09T16:00:00Z'); // 12:00 EDT, the day after the spring change
    assert.equal(iso(relativeInstant(now, -1, 'd', 'America/New_York')), '2026-03-08T16:00:00.000Z', '12:00 EDT on the 8th: 24 hours before');
    assert.equal(iso(relativeInstant(now, -2, 'd', 'America/New_York')), '2026-03-07T17:00:00.000Z', '12:00 EST on the 7th: 47 hours before');
    assert.equal(iso(relativeInstant(now, -1, 'w', 'UTC')), '2026-03-02T16:00:00.000Z');
    assert.equal(iso(relativeInstant(now, -90, 'm', 'America/New_York')), '2026-03-09T14:30:00.000Z');
    assert.equal(iso(relativeInstant(now, 2, 'h', 'Asia/Tokyo')), '2026-03-09T18:00:00.000Z');
    assert.equal(relativeDate(now, -7, 'd', 'Asia/Tokyo'), '2026-03-03');
    assert.equal(relativeDate(now, 9, 'h', 'Asia/Tokyo'), '2026-03-10');
  });

  test('isTimeZone recognises IANA names', () => {
    assert.ok(isTimeZone('Europe/Lisbon'));
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });
});
