// The bytes an audit entry's hash commits to, computed exactly as the
// database trigger does (migrations/0012_audit_chain.sql, audit_entry_text):
// verification recomputes every hash here instead of trusting the database.
// Pure: hashing only, no I/O.
import { createHash } from 'node:crypto';

/** One stored entry, its values in the canonical text forms the trigger hashed. */
export interface ChainEntry {
  readonly tenantId: string;
  readonly seq: number;
  readonly id: string;
  /** UTC, microseconds: `2026-11-25T19:30:56.123456Z`. */
  readonly occurredAt: string;
  readonly actorType: string;
  readonly actorId: string | null;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string | null;
  readonly requestId: string | null;
  /** Personal data: jsonb and inet in PostgreSQL's text form; null when absent or erased. */
  readonly before: string | null;
  readonly after: string | null;
  readonly ip: string | null;
  /** Destroyed (null) by erasure, with the personal data. */
  readonly salt: Uint8Array | null;
  readonly beforeCommitment: Uint8Array | null;
  readonly afterCommitment: Uint8Array | null;
  readonly ipCommitment: Uint8Array | null;
  readonly prevHash: Uint8Array;
  readonly hash: Uint8Array;
}

export type PersonalField = 'before' | 'after' | 'ip';
export const PERSONAL_FIELDS: readonly PersonalField[] = ['before', 'after', 'ip'];

/** The chain starts from 32 zero bytes. */
export const GENESIS_HASH: Uint8Array = new Uint8Array(32);

function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** sha256(salt || field ':' value): hides the value, binds it; null stays null. */
export function commitment(salt: Uint8Array, field: PersonalField, value: string | null): Uint8Array | null {
  if (value === null) return null;
  return sha256(salt, Buffer.from(`${field}:${value}`, 'utf8'));
}

/** name=<octets>:<value> or name=- for NULL, one per line: unambiguous whatever the values contain. */
function field(name: string, value: string | null): string {
  return value === null ? `${name}=-\n` : `${name}=${Buffer.byteLength(value, 'utf8')}:${value}\n`;
}

function hex(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString('hex');
}

/** The canonical text of an entry: chained fields and commitments, never the personal data itself. */
export function entryText(entry: ChainEntry): string {
  return (
    'tessera.audit.v1\n' +
    field('tenant_id', entry.tenantId) +
    field('seq', String(entry.seq)) +
    field('id', entry.id) +
    field('occurred_at', entry.occurredAt) +
    field('actor_type', entry.actorType) +
    field('actor_id', entry.actorId) +
    field('action', entry.action) +
    field('target_type', entry.targetType) +
    field('target_id', entry.targetId) +
    field('request_id', entry.requestId) +
    field('before', hex(entry.beforeCommitment)) +
    field('after', hex(entry.afterCommitment)) +
    field('ip', hex(entry.ipCommitment))
  );
}

/** hash = SHA-256(prev_hash || SHA-256(entry text)). */
export function entryHash(prevHash: Uint8Array, entry: ChainEntry): Uint8Array {
  return sha256(prevHash, sha256(Buffer.from(entryText(entry), 'utf8')));
}

export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}
