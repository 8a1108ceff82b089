// Which hosts an external guard may be sent to by default (guard-address.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { refusedAddress } from './guard-address.ts';
import { ExternalGuards } from './external-guards.ts';

describe('external guard addresses', () => {
  test('loopback, private, link-local, unspecified and mapped addresses are refused', async () => {
    for (const url of [
      'http://127.0.0.1:8080/x', 'http://10.1.2.3/x', 'http://172.20.0.1/x', 'http://192.168.1.1/x', 'http://169.254.169.254/latest',
      'http://100.64.0.1/x', 'http://0.0.0.0/x', 'http://[::1]/x', 'http://[fd00::1]/x', 'http://[fe80::1]/x', 'http://[::ffff:10.0.0.1]/x', 'http://localhost/x',
    ]) {
      assert.match(String(await refusedAddress(url)), /private or loopback/, url);
    }
  });

  test('public addresses are allowed', async () => {
    for (const url of ['https://8.8.8.8/check', 'https://[2001:4860:4860::8888]/check', 'http://172.32.0.1/x']) assert.equal(await refusedAddress(url), null, url);
  });

  test('the client refuses a private address without sending anything unless allowed', async () => {
    const guards = new ExternalGuards({ secret: 'server-secret' });
    const answer = await guards.ask({
      tenantId: '0190f5a0-0000-7000-8000-000000000001', url: 'http://127.0.0.1:9/check', timeoutMs: 500, cacheSeconds: 0,
      payload: { record: { id: '0190f5a0-0000-7000-8000-0000000000aa', type: 'loan', version: 1, state: 'draft' }, transition: 'approve', input: {}, actor: { type: 'system', id: null } },
    });
    assert.equal(answer.ok, false);
    assert.match(answer.ok ? '' : answer.error, /private or loopback/);
    assert.equal(guards.sent, 0);
  });
});
