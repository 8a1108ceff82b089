// Password hashing with scrypt (RFC 7914) from Node's crypto: memory-hard, no
// native dependency. The parameters are stored with each hash so they can be
// raised later without invalidating existing passwords.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
/** Bounds for parameters read back from a stored hash (room to raise PARAMS); anything outside is not one of ours. */
const LIMITS = { N: 2 ** 17, r: 16, p: 4 } as const;

function derive(password: string, salt: Buffer, options: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs about 128 * N * r bytes; the default maxmem (32 MiB) is too small for N = 2^15.
  const maxmem = 2 * 128 * options.N * options.r;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** A stored parameter: a positive whole number no larger than max, or null. */
function parameter(text: string | undefined, max: number): number | null {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return null;
  const value = Number(text);
  return value <= max ? value : null;
}

/** Reads `scrypt$N$r$p$salt$key`; null for anything else, so a bad row is a mismatch rather than a 500. */
function parseStored(stored: string): { options: { N: number; r: number; p: number }; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt' || !parts[4] || !parts[5]) return null;
  const N = parameter(parts[1], LIMITS.N);
  const r = parameter(parts[2], LIMITS.r);
  const p = parameter(parts[3], LIMITS.p);
  if (N === null || r === null || p === null || N < 2 || (N & (N - 1)) !== 0) return null;
  return { options: { N, r, p }, salt: Buffer.from(parts[4], 'base64'), key: Buffer.from(parts[5], 'base64') };
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (parsed === null) return false;
  const actual = await derive(password, parsed.salt, parsed.options);
  return actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key);
}

/** A hash to verify against when the account does not exist, so both paths take the same time. */
export const DECOY_HASH = await hashPassword('decoy password that matches nothing');
