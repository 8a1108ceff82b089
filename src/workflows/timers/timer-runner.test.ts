import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffSeconds, systemCall } from './timer-runner.ts';

test('backoffSeconds: 10 s, 40 s, 160 s, ... at most an hour', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map(backoffSeconds), [10, 40, 160, 640, 2560, 3600, 3600]);
  assert.equal(backoffSeconds(0), 10);
});

test('systemCall: the system, with no user and no role, the request id naming the timer', () => {
  const call = systemCall('0193aaaa-0000-7000-8000-000000000001', '0193bbbb-0000-7000-8000-000000000002');
  assert.deepEqual(call, {
    scope: { tenantId: '0193aaaa-0000-7000-8000-000000000001', userId: null, role: null },
    actor: { type: 'system' },
    origin: { requestId: 'timer:0193bbbb-0000-7000-8000-000000000002', ip: null },
    role: null,
  });
});
