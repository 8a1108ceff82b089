// GET /api/audit, POST /api/audit/verify and GET /api/audit/checkpoints
// through the API: filters, keyset pages in both orders, roles, signed
// checkpoints an auditor can check with the public key, and isolation
// between organisations.
import assert from 'node:assert/strict';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createApiKey } from '../members/helpers.ts';

const TICKET = { key: 'ticket', label: 'Ticket', fields: [{ key: 'title', type: 'text', required: true }] };

interface Entry {
  seq: number;
  action: string;
  actor: { type: string; id: string | null };
  target: { type: string; id: string | null };
  occurred_at: string;
  after: unknown;
  hash: string;
  prev_hash: string;
}

let app: TestApp;
let owner: SignedUp;
let other: SignedUp;
const tickets: string[] = [];

before(async () => {
  app = await startTestApp();
  owner = await signup(app);
  other = await signup(app);
  await defineType(app, owner.token, TICKET);
  for (let i = 0; i < 5; i += 1) {
    const response = await app.request({ method: 'POST', url: '/api/records/ticket', token: owner.token, body: { title: `t${i}` } });
    assert.equal(response.statusCode, 201, response.body);
    tickets.push(response.json().id);
  }
});

after(async () => {
  await app.stop();
});

async function list(token: string, query: string): Promise<{ data: Entry[]; next_cursor: string | null }> {
  const response = await app.request({ method: 'GET', url: `/api/audit${query}`, token });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

async function all(token: string, query: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: Entry[]; next_cursor: string | null } = await list(token, `${query}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
    entries.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return entries;
}

describe('audit API', () => {
  test('lists newest first by default, and pages through every entry in both orders', async () => {
    const newest = await list(owner.token, '');
    const seqs = newest.data.map((entry) => entry.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
    assert.equal(seqs[0], seqs.length);
    assert.deepEqual((await all(owner.token, '?order=desc')).map((entry) => entry.seq), seqs);
    assert.deepEqual((await all(owner.token, '?order=asc')).map((entry) => entry.seq), [...seqs].reverse());
    const first = (await list(owner.token, '?order=asc&limit=1')).data[0];
    assert.equal(first?.prev_hash, '0'.repeat(64));
  });

  test('filters by action prefix, target, actor and time', async () => {
    const created = await all(owner.token, '?action=record.');
    assert.equal(created.length, 5);
    assert.ok(created.every((entry) => entry.action === 'record.created' && entry.actor.type === 'user' && entry.actor.id === owner.userId));
    const one = await list(owner.token, `?target_type=record&target_id=${tickets[2]}`);
    assert.deepEqual(one.data.map((entry) => entry.target.id), [tickets[2]]);
    assert.deepEqual((one.data[0]?.after as { title?: string } | null)?.title, 't2');
    assert.equal((await list(owner.token, `?actor_id=${owner.userId}&action=record.created`)).data.length, 5);
    assert.equal((await list(owner.token, '?actor_type=api_key')).data.length, 0);
    const at = created[0]?.occurred_at ?? '';
    assert.equal((await list(owner.token, `?to=${encodeURIComponent(at)}&action=record.`)).data.filter((e) => e.occurred_at >= at).length, 0);
    assert.ok((await list(owner.token, `?from=${encodeURIComponent(at)}&action=record.`)).data.length >= 1);
    assert.equal((await list(owner.token, '?from=2999-01-01T00:00:00Z')).data.length, 0);
    assertProblem(await app.request({ method: 'GET', url: '/api/audit?actor_id=nope', token: owner.token }), 422, 'validation-failed');
    assertProblem(await app.request({ method: 'GET', url: '/api/audit?cursor=-1', token: owner.token }), 422, 'validation-failed');
    assertProblem(await app.request({ method: 'GET', url: '/api/audit?from=0000-01-01T00:00:00Z', token: owner.token }), 422, 'validation-failed');
  });

  test('gestores only: a cliente and an API key are refused', async () => {
    const cliente = await addMember(app, owner, 'cliente');
    assertProblem(await app.request({ method: 'GET', url: '/api/audit', token: cliente.token }), 403, 'role-required');
    assertProblem(await app.request({ method: 'POST', url: '/api/audit/verify', token: cliente.token, body: {} }), 403, 'role-required');
    const key = await createApiKey(app, owner);
    const byKey = await app.request({ method: 'GET', url: '/api/audit/checkpoints', token: key });
    assert.ok(byKey.statusCode === 401 || byKey.statusCode === 403, byKey.body);
    assertProblem(await app.request({ method: 'GET', url: '/api/audit' }), 401, 'unauthenticated');
  });

  test("each organisation sees, verifies and checkpoints only its own chain", async () => {
    const mine = (await all(owner.token, '?order=asc')).map((entry) => entry.hash);
    const theirs = (await all(other.token, '?order=asc')).map((entry) => entry.hash);
    assert.ok(theirs.length >= 1);
    assert.ok(theirs.every((hash) => !mine.includes(hash)));
    assert.equal((await list(other.token, `?target_id=${tickets[0]}`)).data.length, 0);
    // A body is required (`{}` verifies the whole chain); none at all is a 4xx, never a 500.
    const noBody = await app.request({ method: 'POST', url: '/api/audit/verify', token: other.token });
    assert.ok(noBody.statusCode >= 400 && noBody.statusCode < 500, noBody.body);
    const verified = await app.request({ method: 'POST', url: '/api/audit/verify', token: other.token, body: {} });
    assert.deepEqual([verified.json().ok, verified.json().checked], [true, theirs.length]);
    const checkpoints = await app.request({ method: 'GET', url: '/api/audit/checkpoints', token: other.token });
    assert.deepEqual(checkpoints.json().data.map((c: { seq: number }) => c.seq), [theirs.length]);
  });

  test('checkpoints: the head signed with the server key, verifiable with the listed public key; at most one per interval', async () => {
    const response = await app.request({ method: 'GET', url: '/api/audit/checkpoints', token: owner.token });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.data.length, 1);
    const [checkpoint] = body.data;
    const head = (await app.request({ method: 'POST', url: '/api/audit/verify', token: owner.token, body: {} })).json().head;
    assert.deepEqual([checkpoint.seq, checkpoint.hash], [head.seq, head.hash]);
    assert.equal(checkpoint.message, `${owner.tenantId}|${checkpoint.seq}|${checkpoint.hash}|${checkpoint.signed_at}`);
    assert.equal(checkpoint.key_id, body.public_key.kid);
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: body.public_key.x }, format: 'jwk' });
    assert.ok(verifySignature(null, Buffer.from(checkpoint.message, 'utf8'), publicKey, Buffer.from(checkpoint.signature, 'base64url')));
    assert.ok(!verifySignature(null, Buffer.from(checkpoint.message.replace(/\|\d+\|/, '|1|'), 'utf8'), publicKey, Buffer.from(checkpoint.signature, 'base64url')));
    // The head moves, but the last checkpoint is younger than the interval: no new one yet.
    await app.request({ method: 'POST', url: '/api/records/ticket', token: owner.token, body: { title: 'later' } });
    const again = await app.request({ method: 'GET', url: '/api/audit/checkpoints', token: owner.token });
    assert.deepEqual(again.json().data, body.data);
  });
});
