import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createOpaqueToken, hashSecret, parseOpaqueToken, sameHash } from './opaque-token.ts';

// The uuid package only accepts RFC 9562 UUIDs (versions 1-8, variant 10xx), which is what we store.
const uuid = fc.uuid({ version: [1, 4, 7] });
const prefix = fc.constantFrom('tsr', 'tsi', 'x');

describe('opaque tokens', () => {
  test('round trip: parsing a created token gives back its tenant, id and secret hash', () => {
    fc.assert(
      fc.property(prefix, uuid, uuid, (p, tenantId, id) => {
        const created = createOpaqueToken(p, tenantId, id);
        assert.match(created.token, new RegExp(`^${p}_[A-Za-z0-9_-]{86}$`));
        const parsed = parseOpaqueToken(p, created.token);
        assert.ok(parsed);
        assert.equal(parsed.tenantId, tenantId.toLowerCase());
        assert.equal(parsed.id, id.toLowerCase());
        assert.ok(sameHash(parsed.secretHash, created.secretHash));
      }),
      { numRuns: 300 },
    );
  });

  test('two tokens for the same row never share a secret', () => {
    const a = createOpaqueToken('tsr', '0190a6c0-0000-7000-8000-000000000001', '0190a6c0-0000-7000-8000-000000000002');
    const b = createOpaqueToken('tsr', '0190a6c0-0000-7000-8000-000000000001', '0190a6c0-0000-7000-8000-000000000002');
    assert.notEqual(a.token, b.token);
    assert.equal(sameHash(a.secretHash, b.secretHash), false);
  });

  test('changing any single character is refused or parses to another token', () => {
    const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(uuid, uuid, fc.nat(), fc.constantFrom(...base64url), (tenantId, id, at, c) => {
        const created = createOpaqueToken('tsr', tenantId, id);
        const index = at % created.token.length;
        fc.pre(created.token[index] !== c);
        const changed = created.token.slice(0, index) + c + created.token.slice(index + 1);
        const parsed = parseOpaqueToken('tsr', changed);
        if (parsed === null) return;
        const same = parsed.tenantId === tenantId && parsed.id === id && sameHash(parsed.secretHash, created.secretHash);
        assert.equal(same, false, `${created.token} -> ${changed}`);
      }),
      { numRuns: 2000 },
    );
  });

  test('only the canonical spelling of the last character is accepted', () => {
    const created = createOpaqueToken('tsr', '0190a6c0-0000-7000-8000-000000000001', '0190a6c0-0000-7000-8000-000000000002');
    // The last character holds 2 bits; its 4 low bits are padding that must be zero.
    const last = created.token.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameHighBits = alphabet.split('').filter((c) => c !== last && alphabet.indexOf(c) >> 4 === alphabet.indexOf(last) >> 4);
    assert.equal(sameHighBits.length, 15);
    for (const c of sameHighBits) assert.equal(parseOpaqueToken('tsr', created.token.slice(0, -1) + c), null, c);
  });

  test('a token with another prefix is refused', () => {
    const created = createOpaqueToken('tsr', '0190a6c0-0000-7000-8000-000000000001', '0190a6c0-0000-7000-8000-000000000002');
    assert.equal(parseOpaqueToken('tsi', created.token), null);
    assert.equal(parseOpaqueToken('ts', created.token), null);
  });

  test('parsing arbitrary text never throws and only accepts the exact shape', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const parsed = parseOpaqueToken('tsr', `tsr_${text}`);
        if (parsed !== null) assert.match(text, /^[A-Za-z0-9_-]{86}$/);
      }),
      { numRuns: 1000 },
    );
  });

  test('random base64url of the right length parses to null or to valid UUIDs, never throws', () => {
    for (let i = 0; i < 500; i++) {
      const parsed = parseOpaqueToken('tsr', `tsr_${randomBytes(64).toString('base64url')}`);
      if (parsed !== null) {
        assert.match(parsed.tenantId, /^[0-9a-f-]{36}$/);
        assert.equal(parsed.secretHash.length, 32);
      }
    }
  });

  test('wrong lengths are refused', () => {
    assert.equal(parseOpaqueToken('tsr', `tsr_${randomBytes(63).toString('base64url')}`), null);
    assert.equal(parseOpaqueToken('tsr', `tsr_${randomBytes(65).toString('base64url')}`), null);
    assert.equal(parseOpaqueToken('tsr', 'tsr_'), null);
    assert.equal(parseOpaqueToken('tsr', ''), null);
  });

  test('sameHash compares lengths before contents', () => {
    const hash = hashSecret(Buffer.from('secret'));
    assert.equal(sameHash(hash, Buffer.from(hash)), true);
    assert.equal(sameHash(hash, hash.subarray(0, 31)), false);
    assert.equal(sameHash(hash, hashSecret(Buffer.from('other'))), false);
  });
});
