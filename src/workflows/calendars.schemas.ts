import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NullableDateTime } from '../platform/http/schemas.ts';
import { CALENDAR_KEY_PATTERN } from './core/definition.ts';

// The PUT body is a loose object on purpose: parseCalendar (core/calendar.ts)
// checks it and reports every problem at once with JSON Pointers, which a
// schema check would cut short at the first structural error.

const example = {
  name: 'Service desk (São Paulo)',
  time_zone: 'America/Sao_Paulo',
  working_hours: { mon: [['08:00', '12:00'], ['13:00', '18:00']], tue: [['08:00', '18:00']], wed: [['08:00', '18:00']], thu: [['08:00', '18:00']], fri: [['08:00', '17:00']] },
  holidays: ['2026-12-25', '2027-01-01'],
};

export const PutCalendarBody = Type.Unsafe<unknown>({
  type: 'object',
  description:
    '`{ name?, time_zone?, working_hours, holidays? }`: `working_hours` maps weekdays (`mon`..`sun`) to sorted, non-overlapping `["HH:MM", "HH:MM"]` periods in local wall-clock time (`24:00` may end a period); `time_zone` is an IANA zone, or null/absent for the organisation\'s; `holidays` are local dates without working time.',
  examples: [example],
});

export const CalendarKeyParams = Type.Object(
  { key: Type.String({ pattern: CALENDAR_KEY_PATTERN, description: 'The calendar key (built-in: `24x7`, `business-hours`)' }) },
  { additionalProperties: false },
);
export type CalendarKeyParams = Static<typeof CalendarKeyParams>;

const Period = Type.Tuple([Type.String(), Type.String()], { description: '["HH:MM", "HH:MM"], local wall-clock time' });
const Periods = Type.Array(Period);

export const CalendarSchema = Type.Object({
  key: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  time_zone: Type.Union([Type.String(), Type.Null()], { description: "As stored; null: the organisation's time zone" }),
  effective_time_zone: Type.String({ description: 'The zone its working hours are read in now' }),
  working_hours: Type.Object(
    { mon: Type.Optional(Periods), tue: Type.Optional(Periods), wed: Type.Optional(Periods), thu: Type.Optional(Periods), fri: Type.Optional(Periods), sat: Type.Optional(Periods), sun: Type.Optional(Periods) },
    { description: 'Weekdays absent have no working time' },
  ),
  holidays: Type.Array(Type.String({ format: 'date' })),
  built_in: Type.Boolean({ description: 'A built-in calendar the organisation has not overridden' }),
  created_at: NullableDateTime,
  updated_at: NullableDateTime,
});
export type CalendarView = Static<typeof CalendarSchema>;

export const CalendarListSchema = Type.Object({ data: Type.Array(CalendarSchema) });

export const DueQuery = Type.Object(
  {
    within: Type.String({ description: 'Working time: a duration such as `4h`, `1h30m`, `2d` (counted in the calendar\'s working time)', examples: ['4h'] }),
    start: Type.Optional(Type.String({ format: 'date-time', description: 'When the clock starts; now when absent' })),
  },
  { additionalProperties: false },
);
export type DueQuery = Static<typeof DueQuery>;

export const DueSchema = Type.Object({
  calendar: Type.String(),
  time_zone: Type.String(),
  start: DateTime,
  within: Type.String(),
  due_at: DateTime,
});
export type DueView = Static<typeof DueSchema>;
