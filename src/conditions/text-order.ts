// Text comparison rules shared with the SQL backend.
//
// Ordering (lt, lte, gt, gte, between) is by Unicode code point, which is the
// byte order of UTF-8: PostgreSQL's `COLLATE "C"`. Locale collations differ
// between machines and ICU versions; byte order is the same everywhere, uses
// plain btree indexes and can be reproduced exactly here. JavaScript's `<`
// compares UTF-16 code units, which disagrees with code point order for
// characters above U+FFFF against U+E000..U+FFFF, hence the loop.
//
// icontains lower-cases both sides with the *simple* Unicode case mapping
// (one code point to one code point, no context such as final sigma), as
// PostgreSQL's `lower()` under the builtin `pg_c_utf8` collation does.

export function compareText(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a === b) continue;
    // Differing code units: surrogates (U+D800..U+DFFF) stand for code points above U+FFFF,
    // so they sort after every other BMP unit.
    const surrogateA = a >= 0xd800 && a <= 0xdfff;
    const surrogateB = b >= 0xd800 && b <= 0xdfff;
    if (surrogateA !== surrogateB) return surrogateA ? 1 : -1;
    return a < b ? -1 : 1;
  }
  return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
}

const ASCII = /^[\x00-\x7f]*$/;

export function simpleLowercase(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  let result = '';
  for (const character of text) {
    if (character === '\u0130') {
      result += 'i'; // the only unconditional one-to-many lowercase mapping; its simple mapping is U+0069
      continue;
    }
    const lower = character.toLowerCase();
    // Per code point, so no context rules apply; keep the character if the full mapping is not one code point.
    result += [...lower].length === 1 ? lower : character;
  }
  return result;
}
