// Rows from pg to typed values, checked rather than cast: bigint arrives as a
// string, bytea as a Buffer, timestamptz as a Date.
import type { ChainEntry } from './core/entry-digest.ts';

type Row = Readonly<Record<string, unknown>>;

function fail(key: string, expected: string): never {
  throw new Error(`audit row: ${key} is not ${expected}`);
}

export function text(row: Row, key: string): string {
  const value = row[key];
  return typeof value === 'string' ? value : fail(key, 'text');
}

export function nullableText(row: Row, key: string): string | null {
  return row[key] === null ? null : text(row, key);
}

export function bytes(row: Row, key: string): Uint8Array {
  const value = row[key];
  return value instanceof Uint8Array ? value : fail(key, 'bytea');
}

export function nullableBytes(row: Row, key: string): Uint8Array | null {
  return row[key] === null ? null : bytes(row, key);
}

/** bigint columns (seq): pg sends them as strings; they fit a JS number well below 2^53. */
export function integer(row: Row, key: string): number {
  const value = row[key];
  const parsed = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  return Number.isSafeInteger(parsed) ? parsed : fail(key, 'an integer');
}

export function time(row: Row, key: string): Date {
  const value = row[key];
  return value instanceof Date ? value : fail(key, 'a timestamp');
}

export function boolean(row: Row, key: string): boolean {
  const value = row[key];
  return typeof value === 'boolean' ? value : fail(key, 'a boolean');
}

export function hex(value: Uint8Array): string {
  return Buffer.from(value).toString('hex');
}

/** A READ_CHAIN row. */
export function chainEntryOf(row: Row): ChainEntry {
  return {
    tenantId: text(row, 'tenant_id'),
    seq: integer(row, 'seq'),
    id: text(row, 'id'),
    occurredAt: text(row, 'occurred_at'),
    actorType: text(row, 'actor_type'),
    actorId: nullableText(row, 'actor_id'),
    action: text(row, 'action'),
    targetType: text(row, 'target_type'),
    targetId: nullableText(row, 'target_id'),
    requestId: nullableText(row, 'request_id'),
    before: nullableText(row, 'before'),
    after: nullableText(row, 'after'),
    ip: nullableText(row, 'ip'),
    salt: nullableBytes(row, 'salt'),
    beforeCommitment: nullableBytes(row, 'before_commitment'),
    afterCommitment: nullableBytes(row, 'after_commitment'),
    ipCommitment: nullableBytes(row, 'ip_commitment'),
    prevHash: bytes(row, 'prev_hash'),
    hash: bytes(row, 'hash'),
  };
}
