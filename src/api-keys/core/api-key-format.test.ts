import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { API_KEY_PREFIX, crc32, formatApiKey, isWellFormedApiKey, looksLikeApiKey, visiblePrefix } from './api-key-format.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_LENGTH = API_KEY_PREFIX.length + 36;

/** Random input formatApiKey can always use: at least 30 bytes below 248, anything after. */
const usableRandom = fc
  .tuple(fc.uint8Array({ minLength: 30, maxLength: 30, max: 247 }), fc.uint8Array({ maxLength: 34 }))
  .map(([head, tail]) => Uint8Array.from([...head, ...tail]));

/** Any printable ASCII character (what an HTTP header can carry). */
const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));

describe('API key format', () => {
  test('crc32 matches the standard check value', () => {
    assert.equal(crc32('123456789'), 0xcbf43926);
    assert.equal(crc32(''), 0);
  });

  test('every generated key is well-formed, base62 and of fixed length', () => {
    fc.assert(
      fc.property(usableRandom, (random) => {
        const key = formatApiKey(random);
        assert.equal(key.length, KEY_LENGTH);
        assert.ok(key.startsWith(API_KEY_PREFIX));
        assert.ok([...key.slice(API_KEY_PREFIX.length)].every((c) => BASE62.includes(c)), key);
        assert.ok(isWellFormedApiKey(key), key);
        assert.ok(looksLikeApiKey(key));
        assert.equal(visiblePrefix(key), key.slice(0, API_KEY_PREFIX.length + 8));
      }),
      { numRuns: 500 },
    );
  });

  test('changing any single character is detected', () => {
    fc.assert(
      fc.property(usableRandom, fc.nat(), printable, (random, at, replacement) => {
        const key = formatApiKey(random);
        const index = at % key.length;
        fc.pre(key[index] !== replacement);
        const changed = key.slice(0, index) + replacement + key.slice(index + 1);
        assert.equal(isWellFormedApiKey(changed), false, `${key} -> ${changed}`);
      }),
      { numRuns: 2000 },
    );
  });

  test('every position and every base62 substitute of one key is caught', () => {
    const key = formatApiKey(Uint8Array.from({ length: 30 }, (_, i) => i * 7));
    for (let index = API_KEY_PREFIX.length; index < key.length; index++) {
      for (const c of BASE62) {
        if (c === key[index]) continue;
        assert.equal(isWellFormedApiKey(key.slice(0, index) + c + key.slice(index + 1)), false, `position ${index} -> ${c}`);
      }
    }
  });

  test('truncated, extended or padded keys are not well-formed', () => {
    const key = formatApiKey(Uint8Array.from({ length: 30 }, (_, i) => i));
    for (const variant of [key.slice(0, -1), `${key}0`, ` ${key}`, `${key} `, key.toUpperCase(), key.replace('tsk_', 'tsr_'), '', 'tsk_']) {
      assert.equal(isWellFormedApiKey(variant), false, variant);
    }
  });

  test('the same random bytes give the same key (pure)', () => {
    fc.assert(fc.property(usableRandom, (random) => formatApiKey(random) === formatApiKey(random)));
  });

  test('too little usable randomness is refused rather than padded', () => {
    assert.throws(() => formatApiKey(new Uint8Array(29)), /at least 30/);
    assert.throws(() => formatApiKey(new Uint8Array(40).fill(250)), /not enough usable random bytes/);
  });

  test('arbitrary text is checked without throwing, and only key-shaped text can pass', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        for (const candidate of [text, `${API_KEY_PREFIX}${text}`]) {
          if (isWellFormedApiKey(candidate)) assert.match(candidate, /^tsk_[0-9A-Za-z]{36}$/);
        }
      }),
    );
  });
});
