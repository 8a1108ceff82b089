// The external guard client without a server: how answers are read and how
// calls are keyed for the cache (guards against a real local server are in
// test/workflows/external-guard.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { cacheKeyOf, ExternalGuards, MAX_ANSWER_BYTES, parseAnswer, type ExternalGuardCall } from './external-guards.ts';
import { guardKey, guardSecretText } from './guard-secret.ts';

const call: ExternalGuardCall = {
  tenantId: '0190f5a0-0000-7000-8000-000000000001',
  url: 'https://guards.example/check',
  timeoutMs: 1000,
  cacheSeconds: 60,
  payload: {
    record: { id: '0190f5a0-0000-7000-8000-0000000000aa', type: 'loan', version: 3, state: 'draft' },
    transition: 'approve',
    input: { note: 'x', amount: 2 },
    actor: { type: 'user', id: '0190f5a0-0000-7000-8000-000000000002' },
  },
};

describe('external guard answers', () => {
  test('allow and deny, with or without a reason', () => {
    assert.deepEqual(parseAnswer('{"allow":true}'), { ok: true, allow: true });
    assert.deepEqual(parseAnswer('{"allow":false,"reason":"no"}'), { ok: true, allow: false, reason: 'no' });
    assert.deepEqual(parseAnswer('{"allow":false,"reason":null,"extra":1}'), { ok: true, allow: false });
    assert.equal((parseAnswer(JSON.stringify({ allow: false, reason: 'x'.repeat(2000) })) as { reason: string }).reason.length, 500);
  });

  test('anything else is a failure that says what was wrong', () => {
    assert.deepEqual(parseAnswer('yes'), { ok: false, error: 'answered with a body that is not JSON' });
    assert.deepEqual(parseAnswer('[true]'), { ok: false, error: 'answered with JSON that is not an object' });
    assert.deepEqual(parseAnswer('{"allow":"true"}'), { ok: false, error: 'answered without a boolean "allow"' });
    assert.deepEqual(parseAnswer('{"allow":true,"reason":5}'), { ok: false, error: 'answered with a "reason" that is not a string' });
    assert.ok(MAX_ANSWER_BYTES >= 1024);
  });

  test('calls are keyed by everything they say; input key order does not matter', () => {
    const reordered = { ...call, payload: { ...call.payload, input: { amount: 2, note: 'x' } } };
    assert.equal(cacheKeyOf(reordered), cacheKeyOf(call));
    const variants: ExternalGuardCall[] = [
      { ...call, tenantId: '0190f5a0-0000-7000-8000-000000000009' },
      { ...call, url: 'https://guards.example/other' },
      { ...call, payload: { ...call.payload, record: { ...call.payload.record, version: 4 } } },
      { ...call, payload: { ...call.payload, transition: 'reject' } },
      { ...call, payload: { ...call.payload, input: { note: 'y', amount: 2 } } },
      { ...call, payload: { ...call.payload, actor: { type: 'api_key', id: '0190f5a0-0000-7000-8000-000000000002' } } },
    ];
    for (const variant of variants) assert.notEqual(cacheKeyOf(variant), cacheKeyOf(call));
  });

  test('an unreachable URL is a failure, never a throw', async () => {
    const guards = new ExternalGuards({ secret: 'server-secret', allowPrivateAddresses: true });
    const answer = await guards.ask({ ...call, url: 'http://127.0.0.1:1/check', cacheSeconds: 0 });
    assert.equal(answer.ok, false);
    assert.match((answer as { error: string }).error, /could not be reached/);
  });
});

describe('guard keys', () => {
  test('one per organisation, derived from the server secret, in the Standard Webhooks form', () => {
    const key = guardKey('server-secret', call.tenantId);
    assert.equal(key.length, 32);
    assert.notDeepEqual(guardKey('server-secret', '0190f5a0-0000-7000-8000-000000000009'), key);
    assert.notDeepEqual(guardKey('other-secret', call.tenantId), key);
    const secret = guardSecretText(key);
    assert.match(secret, /^whsec_/);
    // What we sign, a receiver verifies with the secret text.
    const body = JSON.stringify(call.payload);
    const signature = new Webhook(key, { format: 'raw' }).sign('msg_1', new Date(), body);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': signature };
    assert.deepEqual(new Webhook(secret).verify(body, headers), call.payload);
  });
});
