// Opaque bearer secrets that carry the organisation they belong to (refresh
// tokens, invitation tokens), so the server can enter the right tenant before
// looking the token up, without a global lookup table:
//   <prefix>_<base64url(tenant uuid 16 B | row uuid 16 B | secret 32 B)>
// Only SHA-256(secret) is stored; the secret has 256 random bits.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseUuid, stringify as stringifyUuid } from 'uuid';

export interface OpaqueToken {
  token: string;
  tenantId: string;
  id: string;
  secretHash: Buffer;
}

export interface ParsedOpaqueToken {
  tenantId: string;
  id: string;
  secretHash: Buffer;
}

export function hashSecret(secret: Uint8Array): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function createOpaqueToken(prefix: string, tenantId: string, id: string): OpaqueToken {
  const secret = randomBytes(32);
  const payload = Buffer.concat([parseUuid(tenantId), parseUuid(id), secret]);
  return { token: `${prefix}_${payload.toString('base64url')}`, tenantId, id, secretHash: hashSecret(secret) };
}

export function parseOpaqueToken(prefix: string, token: string): ParsedOpaqueToken | null {
  if (!token.startsWith(`${prefix}_`)) return null;
  const body = token.slice(prefix.length + 1);
  if (!/^[A-Za-z0-9_-]{86}$/.test(body)) return null;
  const payload = Buffer.from(body, 'base64url');
  // The last character carries 2 bits and 4 padding bits; only the canonical
  // spelling is accepted, so each token has exactly one written form.
  if (payload.length !== 64 || payload.toString('base64url') !== body) return null;
  try {
    return {
      tenantId: stringifyUuid(payload.subarray(0, 16)),
      id: stringifyUuid(payload.subarray(16, 32)),
      secretHash: hashSecret(payload.subarray(32)),
    };
  } catch {
    // Bytes that are not a valid UUID: a garbled or forged token.
    return null;
  }
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
