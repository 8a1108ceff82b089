// Chain verification over entries read in seq order, fed in batches so a long
// log streams through constant memory. Reports the first broken seq and why.
// Pure: the caller reads the rows and the head.
import { commitment, entryHash, GENESIS_HASH, PERSONAL_FIELDS, sameBytes, type ChainEntry } from './entry-digest.ts';

export type BreakKind = 'missing' | 'link_mismatch' | 'hash_mismatch' | 'commitment_mismatch' | 'data_without_salt' | 'head_mismatch';

export interface ChainBreak {
  readonly seq: number;
  readonly kind: BreakKind;
  readonly reason: string;
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: Uint8Array;
}

function personalValue(entry: ChainEntry, field: (typeof PERSONAL_FIELDS)[number]): string | null {
  return field === 'before' ? entry.before : field === 'after' ? entry.after : entry.ip;
}

function storedCommitment(entry: ChainEntry, field: (typeof PERSONAL_FIELDS)[number]): Uint8Array | null {
  return field === 'before' ? entry.beforeCommitment : field === 'after' ? entry.afterCommitment : entry.ipCommitment;
}

/** Checks one entry on its own: its personal data against its commitments, its hash against its content. */
export function checkEntry(entry: ChainEntry): ChainBreak | null {
  for (const field of PERSONAL_FIELDS) {
    const value = personalValue(entry, field);
    if (entry.salt === null) {
      if (value !== null) return { seq: entry.seq, kind: 'data_without_salt', reason: `${field} is present but its salt was erased` };
      continue;
    }
    if (!sameBytes(commitment(entry.salt, field, value), storedCommitment(entry, field))) {
      return { seq: entry.seq, kind: 'commitment_mismatch', reason: `${field} does not match its commitment: the data was changed` };
    }
  }
  if (!sameBytes(entryHash(entry.prevHash, entry), entry.hash)) {
    return { seq: entry.seq, kind: 'hash_mismatch', reason: 'the stored hash does not match the entry: a chained field was changed' };
  }
  return null;
}

/**
 * Walks the chain from `fromSeq`. `anchor` is the hash of entry fromSeq-1
 * (GENESIS_HASH for seq 1); null takes the first entry's prev_hash on trust
 * (that entry is missing too).
 */
export class ChainVerifier {
  private expectedSeq: number;
  private prevHash: Uint8Array | null;
  private lastHash: Uint8Array | null = null;
  checked = 0;
  broken: ChainBreak | null = null;

  constructor(fromSeq: number, anchor: Uint8Array | null) {
    this.expectedSeq = fromSeq;
    this.prevHash = fromSeq === 1 ? GENESIS_HASH : anchor;
  }

  /** Feeds the next entries in seq order; returns false once the chain is broken (stop reading). */
  feed(entries: readonly ChainEntry[]): boolean {
    for (const entry of entries) {
      if (this.broken !== null) return false;
      this.broken = this.check(entry);
      if (this.broken !== null) return false;
      this.checked += 1;
      this.expectedSeq = entry.seq + 1;
      this.prevHash = entry.hash;
      this.lastHash = entry.hash;
    }
    return this.broken === null;
  }

  private check(entry: ChainEntry): ChainBreak | null {
    if (entry.seq !== this.expectedSeq) {
      return { seq: this.expectedSeq, kind: 'missing', reason: `no entry with seq ${this.expectedSeq}: it was deleted or renumbered` };
    }
    if (this.prevHash !== null && !sameBytes(entry.prevHash, this.prevHash)) {
      return { seq: entry.seq, kind: 'link_mismatch', reason: `prev_hash is not the hash of entry ${entry.seq - 1}: entries were removed, reordered or replaced` };
    }
    return checkEntry(entry);
  }

  /**
   * After the last entry up to `toSeq`: every seq up to it must have been
   * seen, and when toSeq is the head the last hash must be the head's.
   */
  finish(toSeq: number, head: ChainHead | null): ChainBreak | null {
    if (this.broken !== null) return this.broken;
    if (this.expectedSeq <= toSeq) {
      this.broken = { seq: this.expectedSeq, kind: 'missing', reason: `no entry with seq ${this.expectedSeq} (the chain head is at ${head?.seq ?? toSeq})` };
    } else if (head !== null && toSeq === head.seq && this.lastHash !== null && !sameBytes(this.lastHash, head.hash)) {
      this.broken = { seq: head.seq, kind: 'head_mismatch', reason: 'the last entry\'s hash is not the chain head\'s' };
    }
    return this.broken;
  }
}
