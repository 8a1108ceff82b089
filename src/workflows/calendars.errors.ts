import { defineErrors } from '../platform/http/errors.ts';

export const CalendarErrors = defineErrors({
  'calendar-in-use': {
    status: 409,
    title: 'Business calendar is in use',
    description:
      'The calendar cannot be deleted: a workflow refers to it (an SLA, a timeout or a `start_timer` effect) in its latest published version, or in an older version that records are still on. `workflows` lists them (`key`, `version`, `pointers`). Publish versions that no longer use it (and migrate the records) first. Changing the calendar with PUT is always allowed.',
  },
  'calendar-built-in': {
    status: 409,
    title: 'Built-in calendar',
    description:
      'The built-in calendars `24x7` and `business-hours` always exist and cannot be deleted. An organisation may override one with PUT; deleting the override restores the built-in.',
  },
});
