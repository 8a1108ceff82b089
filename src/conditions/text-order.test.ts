import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareText, simpleLowercase } from './text-order.ts';

function utf8Order(left: string, right: string): number {
  return Math.sign(Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8')));
}

describe('text order and case', () => {
  test('orders like COLLATE "C": upper before lower, accents after ASCII, astral after the BMP', () => {
    assert.equal(compareText('Z', 'a'), -1);
    assert.equal(compareText('é', 'z'), 1);
    assert.equal(compareText('\u{1F600}', '\uFFFD'), 1, 'JavaScript < says otherwise');
    assert.ok('\u{1F600}' < '\uFFFD');
    assert.equal(compareText('ab', 'abc'), -1);
    assert.equal(compareText('', ''), 0);
  });

  test('agrees with UTF-8 byte order on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (left, right) => {
      assert.equal(compareText(left, right), utf8Order(left, right));
    }));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (left, right) => {
      assert.equal(compareText(left, right), utf8Order(left, right));
    }));
  });

  test('lower-cases with the simple mapping, as glibc C.UTF-8 and pg_c_utf8 do', () => {
    assert.equal(simpleLowercase('ΣΑΣ İx ǅ ẞ'), 'σασ ix ǆ ß');
    assert.equal(simpleLowercase('ABC'), 'abc');
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      assert.equal([...simpleLowercase(text)].length, [...text].length, 'one code point each');
    }));
  });
});
