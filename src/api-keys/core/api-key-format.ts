// API key format, after GitHub's token format: a recognisable prefix, random
// body and a CRC32 checksum, all base62. The prefix makes leaked keys easy to
// scan for; the checksum rejects typos without touching the database.
//   tsk_<30 random base62 characters><6 base62 checksum characters>
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const API_KEY_PREFIX = 'tsk_';
const BODY_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
/** How much of the key is shown in listings: the prefix and 8 characters. */
const VISIBLE_LENGTH = API_KEY_PREFIX.length + 8;
const SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function base62(value: number, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** Builds a key from random bytes (at least 30); randomness is passed in so this stays pure. */
export function formatApiKey(random: Uint8Array): string {
  if (random.length < BODY_LENGTH) throw new Error('formatApiKey needs at least 30 random bytes');
  let body = '';
  // 62 * 4 = 248: rejecting bytes >= 248 keeps every character uniform.
  for (const byte of random) {
    if (byte < 248) body += ALPHABET[byte % 62];
    if (body.length === BODY_LENGTH) break;
  }
  if (body.length < BODY_LENGTH) throw new Error('not enough usable random bytes');
  return `${API_KEY_PREFIX}${body}${base62(crc32(body), CHECKSUM_LENGTH)}`;
}

/** True when the text has the key's shape and its checksum matches. */
export function isWellFormedApiKey(text: string): boolean {
  if (!SHAPE.test(text)) return false;
  const body = text.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + BODY_LENGTH);
  return text.slice(-CHECKSUM_LENGTH) === base62(crc32(body), CHECKSUM_LENGTH);
}

export function looksLikeApiKey(text: string): boolean {
  return text.startsWith(API_KEY_PREFIX);
}

export function visiblePrefix(key: string): string {
  return key.slice(0, VISIBLE_LENGTH);
}
