import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_DURATION_MS, parseDuration, parseOffset } from './duration.ts';

describe('parseDuration', () => {
  test('reads the units largest first', () => {
    assert.deepEqual(parseDuration('4h'), { text: '4h', ms: 4 * 3_600_000 });
    assert.equal(parseDuration('1h30m')?.ms, 90 * 60_000);
    assert.equal(parseDuration('2d')?.ms, 2 * 86_400_000);
    assert.equal(parseDuration('90s')?.ms, 90_000);
    assert.equal(parseDuration('1w')?.ms, 7 * 86_400_000);
    assert.equal(parseDuration('1w2d3h4m5s')?.ms, ((9 * 24 + 3) * 60 + 4) * 60_000 + 5000);
  });

  test('refuses zero, signs, spaces, repeated or out-of-order units and more than 366 days', () => {
    for (const text of ['', '0h', '0', '4', '-4h', '+4h', '4 h', '4H', '1h1h', '30m1h', '1.5h', '01h', 'h', '367d', '53w', '4hours']) {
      assert.equal(parseDuration(text), null, text);
    }
    assert.equal(parseDuration('366d')?.ms, MAX_DURATION_MS);
  });
});

describe('parseOffset', () => {
  test('needs a sign', () => {
    assert.deepEqual(parseOffset('+2d'), { text: '+2d', ms: 2 * 86_400_000 });
    assert.deepEqual(parseOffset('-1h'), { text: '-1h', ms: -3_600_000 });
    assert.equal(parseOffset('2d'), null);
    assert.equal(parseOffset('+'), null);
    assert.equal(parseOffset('+-1h'), null);
    assert.equal(parseOffset('-0h'), null);
  });
});
