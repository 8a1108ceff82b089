import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { isPrivateAddress } from '../../platform/net/public-address.ts';
import { refusedUrl } from '../send-webhook.ts';
import { attemptOutcome } from './attempt-outcome.ts';
import { MAX_ATTEMPTS, retryDelayMs, retryWindowMs } from './backoff.ts';
import { isEventPattern, matchesAny, patternsMatching } from './event-patterns.ts';
import { secretText, signedHeaders } from './signing.ts';

describe('webhook event patterns', () => {
  it('matches exact types, prefixes and everything', () => {
    assert.deepEqual(patternsMatching('record.created'), ['record.created', 'record.*', '*']);
    assert.ok(matchesAny(['record.*'], 'record.updated'));
    assert.ok(matchesAny(['*'], 'tenant.plan_changed'));
    assert.ok(!matchesAny(['record.created'], 'record.deleted'));
    assert.ok(!matchesAny(['tenant.*'], 'record.created'));
  });
  it('accepts only well-formed patterns', () => {
    for (const good of ['*', 'record.*', 'record.created', 'tenant.plan_changed']) assert.ok(isEventPattern(good), good);
    for (const bad of ['', 'record.', '*.created', 'Record.created', 'record.**', 'record*']) assert.ok(!isEventPattern(bad), bad);
  });
});

describe('webhook backoff', () => {
  it('doubles from 5 s, capped at 10 h, with ±20 % jitter, for about a day', () => {
    assert.equal(retryDelayMs(1, 0.5), 5_000);
    assert.equal(retryDelayMs(2, 0.5), 10_000);
    assert.equal(retryDelayMs(1, 0), 4_000);
    assert.equal(retryDelayMs(1, 1), 6_000);
    assert.equal(retryDelayMs(14, 0.5), 36_000_000);
    assert.equal(retryDelayMs(MAX_ATTEMPTS, 0.5), null);
    const hours = retryWindowMs() / 3_600_000;
    assert.ok(hours > 18 && hours < 30, `window ${hours} h`);
  });
  it('decides delivered, gone, retry and given up', () => {
    assert.deepEqual(attemptOutcome({ kind: 'response', status: 204, durationMs: 1 }, 1, 0.5), { kind: 'delivered' });
    assert.deepEqual(attemptOutcome({ kind: 'response', status: 410, durationMs: 1 }, 1, 0.5), { kind: 'gone' });
    assert.deepEqual(attemptOutcome({ kind: 'response', status: 301, durationMs: 1 }, 1, 0.5), { kind: 'retry', delayMs: 5_000 });
    assert.deepEqual(attemptOutcome({ kind: 'error', message: 'x', durationMs: 1 }, MAX_ATTEMPTS, 0.5), { kind: 'given_up' });
  });
});

describe('webhook signing', () => {
  it('signs per Standard Webhooks, with every key during a rotation', () => {
    const current = Buffer.alloc(32, 1);
    const previous = Buffer.alloc(32, 2);
    const body = JSON.stringify({ hello: 'world' });
    const headers = signedHeaders('msg_1', new Date(), body, [current, previous]);
    assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
    for (const key of [current, previous]) assert.deepEqual(new Webhook(secretText(key)).verify(body, { ...headers }), { hello: 'world' });
    assert.throws(() => new Webhook(secretText(Buffer.alloc(32, 3))).verify(body, { ...headers }));
  });
});

describe('webhook URLs (SSRF)', () => {
  it('refuses private, loopback and link-local addresses and plain http without the flag', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '192.168.0.1', '169.254.169.254', '::1', 'fe80::1', '::ffff:10.0.0.1', 'fd00::1']) {
      assert.ok(isPrivateAddress(address), address);
    }
    assert.ok(!isPrivateAddress('93.184.216.34'));
    assert.equal(refusedUrl('http://example.com/hook', false), 'must use https');
    assert.match(refusedUrl('https://127.0.0.1/hook', false) ?? '', /private/);
    assert.match(refusedUrl('https://[::1]/hook', false) ?? '', /private/);
    assert.match(refusedUrl('https://localhost/hook', false) ?? '', /private/);
    assert.equal(refusedUrl('https://user:pw@example.com/', false), 'must not carry credentials');
    assert.equal(refusedUrl('https://example.com/hook', false), null);
    assert.equal(refusedUrl('http://127.0.0.1:8080/hook', true), null);
    assert.equal(refusedUrl('ftp://example.com/', true), 'must use https');
  });
});
