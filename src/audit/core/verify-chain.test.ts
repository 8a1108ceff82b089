import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { checkpointDue, checkpointMessage } from './checkpoint.ts';
import { commitment, entryHash, entryText, GENESIS_HASH, type ChainEntry } from './entry-digest.ts';
import { ChainVerifier, type ChainBreak } from './verify-chain.ts';

const TENANT = '0190a3c2-0000-7000-8000-000000000001';

/** Builds a valid chain of n entries the way the database trigger does. */
function chain(n: number): ChainEntry[] {
  const entries: ChainEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const salt = new Uint8Array(randomBytes(32));
    const before = seq % 2 === 0 ? `{"name": "Ana ${seq}"}` : null;
    const after = `{"name": "Ana ${seq + 1}"}`;
    const ip = '127.0.0.1';
    const draft: ChainEntry = {
      tenantId: TENANT,
      seq,
      id: `0190a3c2-0000-7000-8000-${String(seq).padStart(12, '0')}`,
      occurredAt: '2026-11-25T19:30:56.123456Z',
      actorType: 'user',
      actorId: TENANT,
      action: 'record.updated',
      targetType: 'record',
      targetId: `r${seq}`,
      requestId: null,
      before,
      after,
      ip,
      salt,
      beforeCommitment: commitment(salt, 'before', before),
      afterCommitment: commitment(salt, 'after', after),
      ipCommitment: commitment(salt, 'ip', ip),
      prevHash: prev,
      hash: new Uint8Array(32),
    };
    const entry = { ...draft, hash: entryHash(prev, draft) };
    entries.push(entry);
    prev = entry.hash;
  }
  return entries;
}

function verify(entries: readonly ChainEntry[], batch = 3): ChainBreak | null {
  const verifier = new ChainVerifier(1, null);
  for (let start = 0; start < entries.length; start += batch) {
    if (!verifier.feed(entries.slice(start, start + batch))) break;
  }
  const last = entries.at(-1);
  return verifier.finish(10, last === undefined ? null : { seq: 10, hash: last.hash });
}

describe('audit chain verification (pure)', () => {
  test('a chain built like the trigger builds it verifies, in any batch size', () => {
    const entries = chain(10);
    for (const batch of [1, 3, 10]) assert.equal(verify(entries, batch), null);
  });

  test('the canonical text holds commitments, never the personal data', () => {
    const [entry] = chain(1);
    assert.ok(entry);
    const text = entryText(entry);
    assert.ok(!text.includes('Ana'));
    assert.ok(!text.includes('127.0.0.1'));
    assert.match(text, /^tessera\.audit\.v1\ntenant_id=36:/);
  });

  test('a changed chained field breaks at its seq', () => {
    const entries = chain(10);
    entries[4] = { ...entries[4]!, action: 'record.deleted' };
    assert.deepEqual(verify(entries)?.seq, 5);
    assert.equal(verify(entries)?.kind, 'hash_mismatch');
  });

  test('changed personal data breaks its commitment at its seq', () => {
    const entries = chain(10);
    entries[6] = { ...entries[6]!, after: '{"name": "Eve"}' };
    assert.deepEqual([verify(entries)?.seq, verify(entries)?.kind], [7, 'commitment_mismatch']);
  });

  test('a deleted entry is missing at its seq; a deleted last entry is missing against the head', () => {
    const entries = chain(10);
    assert.deepEqual([verify([...entries.slice(0, 3), ...entries.slice(4)])?.seq, verify([...entries.slice(0, 3), ...entries.slice(4)])?.kind], [4, 'missing']);
    const verifier = new ChainVerifier(1, null);
    verifier.feed(entries.slice(0, 9));
    assert.deepEqual(verifier.finish(10, { seq: 10, hash: entries[9]!.hash })?.seq, 10);
  });

  test('two swapped entries (seq exchanged) break at the first of them', () => {
    const entries = chain(10);
    const a = entries[2]!;
    const b = entries[3]!;
    entries[2] = { ...b, seq: 3 };
    entries[3] = { ...a, seq: 4 };
    assert.deepEqual([verify(entries)?.seq, verify(entries)?.kind], [3, 'link_mismatch']);
  });

  test('erased personal data and salt still verify; data left without its salt does not', () => {
    const entries = chain(10);
    entries[1] = { ...entries[1]!, before: null, after: null, ip: null, salt: null };
    assert.equal(verify(entries), null);
    entries[2] = { ...entries[2]!, salt: null };
    assert.deepEqual([verify(entries)?.seq, verify(entries)?.kind], [3, 'data_without_salt']);
  });

  test('checkpoints: the signed line, and when a new one is due', () => {
    assert.equal(checkpointMessage(TENANT, 7, 'ab', '2026-11-25T19:30:56.123Z'), `${TENANT}|7|ab|2026-11-25T19:30:56.123Z`);
    const now = new Date('2026-11-25T20:00:00Z');
    assert.equal(checkpointDue(0, null, now, 60_000), false);
    assert.equal(checkpointDue(3, null, now, 60_000), true);
    assert.equal(checkpointDue(3, { seq: 3, signedAt: new Date('2026-11-25T10:00:00Z') }, now, 60_000), false);
    assert.equal(checkpointDue(4, { seq: 3, signedAt: new Date('2026-11-25T19:59:30Z') }, now, 60_000), false);
    assert.equal(checkpointDue(4, { seq: 3, signedAt: new Date('2026-11-25T19:59:00Z') }, now, 60_000), true);
  });
});
