// Keyset cursors of query pages: opaque to clients, tamper-checked. A cursor
// carries the order keys (as the text the statement selected) and the id of
// the last row of a page, plus an HMAC-SHA256 over them, the organisation and
// the query's fingerprint. Unlike record listings, whose cursors only hold a
// timestamp and an id, these keys are bound as typed parameters into a
// compiled keyset predicate, so a forged or edited cursor, or one taken from
// another query (another order, filter or registry version), is refused
// (400) before anything reaches PostgreSQL. Pure: the secret is passed in.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { CursorPosition, ValidatedQuery } from './query.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** 128 bits of HMAC-SHA256 (RFC 2104 allows truncation to at least half the output). */
const MAC_BYTES = 16;
const VERSION = 1;

/**
 * What a cursor is bound to: the validated query without its page window
 * (limit, offset, position). parseQuery builds it in a fixed member order, so
 * the same query sent with its members in another order has the same
 * fingerprint; a changed filter, order, selection or registry does not.
 */
export function queryFingerprint(query: ValidatedQuery): string {
  const shape = { ...query, limit: null, offset: null, ...(query.kind === 'list' ? { after: null } : {}) };
  return createHash('sha256').update(JSON.stringify(shape)).digest('base64url');
}

export interface CursorBinding {
  /** Server secret (derived from TESSERA_API_KEY_SECRET by the service). */
  readonly secret: Buffer;
  readonly tenantId: string;
  readonly fingerprint: string;
}

function mac(binding: CursorBinding, payload: string): Buffer {
  return createHmac('sha256', binding.secret)
    .update(`tessera-query-cursor\n${binding.tenantId}\n${binding.fingerprint}\n${payload}`)
    .digest()
    .subarray(0, MAC_BYTES);
}

/** `<payload>.<mac>`, both base64url. */
export function encodeQueryCursor(position: CursorPosition, binding: CursorBinding): string {
  const payload = Buffer.from(JSON.stringify({ v: VERSION, k: position.keys, i: position.id })).toString('base64url');
  return `${payload}.${mac(binding, payload).toString('base64url')}`;
}

export type DecodedCursor = { readonly ok: true; readonly position: CursorPosition } | { readonly ok: false; readonly message: string };

const NOT_OURS = { ok: false, message: 'is not a cursor this server issued for this query: pass the next_cursor of the previous page of the same query unchanged' } as const;

/** The position a cursor stands for, when this server issued it for this organisation and query with `keyCount` order keys. */
export function decodeQueryCursor(text: string, binding: CursorBinding, keyCount: number): DecodedCursor {
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(text);
  if (!match) return NOT_OURS;
  const [, payload = '', signature = ''] = match;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(binding, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return NOT_OURS;
  // Signed by us: the payload is what encodeQueryCursor wrote; checked anyway, so a bug is a 400, not a 500.
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return NOT_OURS;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return NOT_OURS;
  const { v, k, i } = parsed as Record<string, unknown>;
  if (v !== VERSION || typeof i !== 'string' || !UUID.test(i) || !Array.isArray(k) || k.length !== keyCount) return NOT_OURS;
  if (!k.every((key): key is string | null => key === null || typeof key === 'string')) return NOT_OURS;
  return { ok: true, position: { keys: k, id: i } };
}
