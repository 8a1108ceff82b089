import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calendarReferences } from './calendar-references.ts';

test('calendarReferences: SLAs, timeouts and start_timer effects that name the calendar, as JSON Pointers', () => {
  const definition = {
    states: [
      { key: 'new', sla: { within: '4h', calendar: 'desk' }, timeouts: [{ key: 'a', after: '1h', calendar: 'other' }, { key: 'b', after: '2h', calendar: 'desk' }] },
      { key: 'done', final: true },
    ],
    transitions: [
      { key: 'go', effects: [{ set: {} }, { start_timer: { key: 't', after: '1h', calendar: 'desk', event: 'x' } }] },
      { key: 'stop', effects: [{ start_timer: { key: 't', after: '1h', event: 'x' } }] },
    ],
  };
  assert.deepEqual(calendarReferences(definition, 'desk'), ['/states/0/sla/calendar', '/states/0/timeouts/1/calendar', '/transitions/0/effects/1/start_timer/calendar']);
  assert.deepEqual(calendarReferences(definition, 'other'), ['/states/0/timeouts/0/calendar']);
  assert.deepEqual(calendarReferences(definition, 'none'), []);
});

test('calendarReferences: anything not shaped like a definition names no calendar', () => {
  for (const odd of [null, 1, 'x', [], { states: 'no', transitions: [null, 1, { effects: 'no' }] }, { states: [null, { sla: 'x', timeouts: {} }] }]) {
    assert.deepEqual(calendarReferences(odd, 'desk'), []);
  }
});
