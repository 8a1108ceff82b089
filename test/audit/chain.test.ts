// The hash-chained audit log on a real database: a gapless unforked chain
// under concurrent appends, appends in one organisation never waiting for
// another's, verification through the API, tampering (as the owner, with the
// guard trigger disabled as an attacker with owner rights would) found at the
// exact seq, append-only enforcement, GDPR erasure that keeps the chain valid.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';

const TICKET = { key: 'ticket', label: 'Ticket', fields: [{ key: 'title', type: 'text', required: true }] };

let app: TestApp;
let admin: pg.Client;

before(async () => {
  app = await startTestApp();
  admin = new pg.Client({ connectionString: app.database.adminUrl });
  await admin.connect();
});

after(async () => {
  await admin.end();
  await app.stop();
});

/** A fresh organisation with a ticket type and `count` tickets (each an audited create). */
async function organisationWithTickets(count: number): Promise<SignedUp> {
  const owner = await signup(app);
  await defineType(app, owner.token, TICKET);
  for (let i = 0; i < count; i += 1) await createTicket(owner, `t${i}`);
  return owner;
}

async function createTicket(owner: SignedUp, title: string): Promise<string> {
  const response = await app.request({ method: 'POST', url: '/api/records/ticket', token: owner.token, body: { title } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

async function verify(owner: SignedUp, body: unknown = {}): Promise<Record<string, unknown>> {
  const response = await app.request({ method: 'POST', url: '/api/audit/verify', token: owner.token, body });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

async function seqs(tenantId: string): Promise<number[]> {
  const { rows } = await admin.query<{ seq: string }>('select seq from audit_log where tenant_id = $1 order by seq', [tenantId]);
  return rows.map((row) => Number(row.seq));
}

/** Runs statements as the attacker: superuser rights, the append-only trigger disabled for this transaction only. */
async function tamper(statements: readonly string[], values: unknown[]): Promise<void> {
  await admin.query('begin');
  try {
    await admin.query('alter table audit_log disable trigger audit_log_append_only');
    for (const statement of statements) await admin.query(statement, values);
    await admin.query('alter table audit_log enable trigger audit_log_append_only');
    await admin.query('commit');
  } catch (error) {
    await admin.query('rollback');
    throw error;
  }
}

describe('audit chain', () => {
  test('entries are chained gapless from 1 and verify; the head is the last entry', async () => {
    const owner = await organisationWithTickets(3);
    const numbers = await seqs(owner.tenantId);
    assert.deepEqual(numbers, numbers.map((_, index) => index + 1));
    const result = await verify(owner);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.checked, numbers.length);
    const head = result.head as { seq: number; hash: string };
    assert.equal(head.seq, numbers.length);
    const last = await admin.query<{ hash: Buffer }>('select hash from audit_log where tenant_id = $1 and seq = $2', [owner.tenantId, head.seq]);
    assert.equal(head.hash, last.rows[0]?.hash.toString('hex'));
    // A range verifies too, anchored on the entry before it.
    assert.deepEqual(await verify(owner, { from_seq: 2, to_seq: 3 }), { ok: true, checked: 2, head });
    await assertProblem(await app.request({ method: 'POST', url: '/api/audit/verify', token: owner.token, body: { from_seq: 3, to_seq: 2 } }), 422, 'audit-range-invalid');
  });

  test('50 concurrent creates in one organisation give a gapless, unforked chain', async () => {
    const owner = await organisationWithTickets(0);
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => createTicket(owner, `c${i}`)));
    assert.equal(new Set(ids).size, 50);
    const numbers = await seqs(owner.tenantId);
    assert.deepEqual(numbers, numbers.map((_, index) => index + 1));
    // Unforked: each entry's prev_hash is its predecessor's hash.
    const { rows } = await admin.query<{ forks: string }>(
      `select count(*) as forks from audit_log a join audit_log b on b.tenant_id = a.tenant_id and b.seq = a.seq - 1
       where a.tenant_id = $1 and a.prev_hash <> b.hash`,
      [owner.tenantId],
    );
    assert.equal(Number(rows[0]?.forks), 0);
    const result = await verify(owner);
    assert.deepEqual([result.ok, result.checked], [true, numbers.length]);
  });

  test("an organisation's appends wait only for its own chain head, never for another organisation's", async () => {
    const a = await organisationWithTickets(0);
    const b = await organisationWithTickets(0);
    // Hold A's chain head: an uncommitted audit append as the runtime role.
    const holder = new pg.Client({ connectionString: app.database.appUrl });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select tessera_enter_tenant($1::uuid, null, null, true)', [a.tenantId]);
      await holder.query(
        `insert into audit_log (tenant_id, id, actor_type, action, target_type)
         values (current_setting('app.tenant_id')::uuid, gen_random_uuid(), 'system', 'test.hold', 'test')`,
      );
      // A's create queues behind the held head; wait until PostgreSQL shows it waiting on a lock.
      const blocked = createTicket(a, 'waits');
      for (;;) {
        const { rows } = await admin.query(
          `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        );
        if (rows.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Meanwhile B appends freely: no global lock.
      await createTicket(b, 'free');
      assert.equal((await verify(b)).ok, true);
      await holder.query('rollback');
      await blocked;
    } finally {
      await holder.end();
    }
    const result = await verify(a);
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  test('a changed chained field is found at its seq', async () => {
    const owner = await organisationWithTickets(5);
    await tamper([`update audit_log set action = 'record.deleted' where tenant_id = $1 and seq = 4`], [owner.tenantId]);
    assert.deepEqual(pick(await verify(owner)), { ok: false, broken_seq: 4, kind: 'hash_mismatch', checked: 3 });
  });

  test('changed personal data (after) is found at its seq through its commitment', async () => {
    const owner = await organisationWithTickets(5);
    await tamper([`update audit_log set after = '{"title": "forged"}' where tenant_id = $1 and seq = 5`], [owner.tenantId]);
    assert.deepEqual(pick(await verify(owner)), { ok: false, broken_seq: 5, kind: 'commitment_mismatch', checked: 4 });
  });

  test('a deleted row is found at its seq, a deleted last row against the head', async () => {
    const owner = await organisationWithTickets(5);
    await tamper([`delete from audit_log where tenant_id = $1 and seq = 3`], [owner.tenantId]);
    assert.deepEqual(pick(await verify(owner)), { ok: false, broken_seq: 3, kind: 'missing', checked: 2 });
    const other = await organisationWithTickets(5);
    const last = (await seqs(other.tenantId)).at(-1);
    await tamper([`delete from audit_log where tenant_id = $1 and seq = (select max(seq) from audit_log where tenant_id = $1)`], [other.tenantId]);
    assert.deepEqual(pick(await verify(other)), { ok: false, broken_seq: last, kind: 'missing', checked: (last ?? 0) - 1 });
  });

  test('two swapped rows are found at the first of them', async () => {
    const owner = await organisationWithTickets(5);
    await tamper(
      [
        `update audit_log set seq = -1 where tenant_id = $1 and seq = 3`,
        `update audit_log set seq = 3 where tenant_id = $1 and seq = 4`,
        `update audit_log set seq = 4 where tenant_id = $1 and seq = -1`,
      ],
      [owner.tenantId],
    );
    assert.deepEqual(pick(await verify(owner)), { ok: false, broken_seq: 3, kind: 'link_mismatch', checked: 2 });
  });

  test('append-only: the owner cannot update, delete or truncate, nor move the head; the runtime role has no grant', async () => {
    const owner = await organisationWithTickets(1);
    const asOwner = async (statement: string): Promise<unknown> => {
      await admin.query('begin');
      try {
        await admin.query('set local role tessera_owner');
        await admin.query(`select set_config('app.tenant_id', $1, true)`, [owner.tenantId]);
        await admin.query(statement);
        return null;
      } catch (error) {
        return error;
      } finally {
        await admin.query('rollback');
      }
    };
    for (const statement of [
      `update audit_log set action = 'x' where seq = 1`,
      `delete from audit_log where seq = 1`,
      'truncate audit_log',
      'update audit_chain_heads set seq = 0',
      'delete from audit_chain_heads',
      'truncate audit_checkpoints',
    ]) {
      const error = await asOwner(statement);
      assert.ok(error instanceof Error && 'code' in error && error.code === 'TS423', `${statement}: ${String(error)}`);
    }
    const runtime = new pg.Client({ connectionString: app.database.appUrl });
    await runtime.connect();
    try {
      await runtime.query('begin');
      await runtime.query('select tessera_enter_tenant($1::uuid, null, null, true)', [owner.tenantId]);
      await assert.rejects(runtime.query(`update audit_log set action = 'x'`), { code: '42501' });
      await runtime.query('rollback');
      await runtime.query('begin');
      await runtime.query('select tessera_enter_tenant($1::uuid, null, null, true)', [owner.tenantId]);
      await assert.rejects(runtime.query('update audit_chain_heads set seq = 0'), { code: 'TS423' });
      await runtime.query('rollback');
    } finally {
      await runtime.end();
    }
  });

  test('erasure nulls personal data and salt and the chain still verifies; it may change nothing else', async () => {
    const owner = await organisationWithTickets(3);
    const erase = async (assignments: string): Promise<void> => {
      await admin.query('begin');
      try {
        await admin.query('set local role tessera_owner');
        await admin.query(`select set_config('app.tenant_id', $1, true)`, [owner.tenantId]);
        await admin.query(`set local tessera.audit_erasure = 'on'`);
        await admin.query(`update audit_log set ${assignments} where seq = 2`);
        await admin.query('commit');
      } catch (error) {
        await admin.query('rollback');
        throw error;
      }
    };
    await assert.rejects(erase(`after = null, action = 'x'`), { code: 'TS423' });
    await assert.rejects(erase(`after = '{"title": "forged"}'`), { code: 'TS423' });
    await erase('before = null, after = null, ip = null, salt = null');
    assert.deepEqual(pick(await verify(owner)), { ok: true, checked: (await seqs(owner.tenantId)).length });
    const listed = await app.request({ method: 'GET', url: '/api/audit?order=asc&limit=2', token: owner.token });
    const entry = listed.json().data[1];
    assert.deepEqual([entry.seq, entry.erased, entry.after, entry.ip], [2, true, null, null]);
  });
});

function pick(result: Record<string, unknown>): Record<string, unknown> {
  const { head: _head, reason: _reason, ...rest } = result;
  return rest;
}
