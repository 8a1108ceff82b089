// TenantTx.queue(): writes whose results are not needed travel with the
// transaction's next statement or its COMMIT (one round trip), in order, and
// fail that statement (or the commit, rolling everything back) exactly as if
// they had run where they were queued.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { newId } from '../../src/platform/ids.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';

let roundTrips = 0;
{
  // Counts every ReadyForQuery (one per Sync, so one per round trip) on node-postgres connections in this process.
  const prototype = (pg as unknown as { Connection: { prototype: { emit(event: string | symbol, ...args: unknown[]): boolean } } }).Connection.prototype;
  const emit = prototype.emit;
  prototype.emit = function counted(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'readyForQuery') roundTrips += 1;
    return emit.call(this, event, ...args);
  };
}

const INSERT = `insert into outbox (tenant_id, id, event_type, subject_type, payload) values (current_setting('app.tenant_id')::uuid, $1, 'test', 'test', '{}')`;
const COUNT = `select count(*)::int as n from outbox where event_type = 'test'`;

describe('tenant transactions: queued statements', () => {
  let app: TestApp;
  let org: SignedUp;
  const scope = () => ({ tenantId: org.tenantId, userId: null });
  const count = async () => (await app.db.tenant.query<{ n: number }>(scope(), COUNT)).rows[0]?.n ?? -1;

  before(async () => {
    app = await startTestApp();
    org = await signup(app);
  });
  after(async () => {
    await app.stop();
  });

  test('queued writes travel with the next query and with the commit: no round trip of their own', async () => {
    const before = await count();
    const start = roundTrips;
    const seen = await app.db.tenant.transaction(scope(), async (tx) => {
      tx.queue(INSERT, [newId()]);
      tx.queue(INSERT, [newId()]);
      // Sent after the two inserts, in the same round trip as BEGIN and the enter call: it sees them.
      const { rows } = await tx.query<{ n: number }>(COUNT);
      tx.queue(INSERT, [newId()]);
      return rows[0]?.n;
    });
    assert.equal(roundTrips - start, 2, 'BEGIN + enter + 2 inserts + select, then 1 insert + COMMIT');
    assert.equal(seen, before + 2);
    assert.equal(await count(), before + 3);
    // Only queued statements: BEGIN, enter, the statement and COMMIT in one round trip.
    const only = roundTrips;
    await app.db.tenant.transaction(scope(), async (tx) => tx.queue(INSERT, [newId()]));
    assert.equal(roundTrips - only, 1);
    assert.equal(await count(), before + 4);
  });

  test('an error in a queued statement fails the next query; at the commit it rolls everything back', async () => {
    const before = await count();
    const duplicate = newId();
    await assert.rejects(
      app.db.tenant.transaction(scope(), async (tx) => {
        tx.queue(INSERT, [duplicate]);
        tx.queue(INSERT, [duplicate]);
        await tx.query('select 1');
      }),
      (error: { code?: string }) => error.code === '23505',
    );
    await assert.rejects(
      app.db.tenant.transaction(scope(), async (tx) => {
        await tx.query(INSERT, [newId()]);
        tx.queue(INSERT, [duplicate]);
        tx.queue(INSERT, [duplicate]);
      }),
      (error: { code?: string }) => error.code === '23505',
    );
    assert.equal(await count(), before, 'nothing of either transaction was kept');
    // The connections went back to the pool rolled back, not in a failed transaction.
    for (let i = 0; i < 8; i += 1) assert.equal(await count(), before);
    // A failed statement caught inside the transaction (a savepoint) lets it go on.
    await app.db.tenant.transaction(scope(), async (tx) => {
      await tx.query('savepoint s');
      tx.queue(INSERT, [duplicate]);
      tx.queue(INSERT, [duplicate]);
      await assert.rejects(tx.query('release savepoint s'));
      await tx.query('rollback to savepoint s');
      tx.queue(INSERT, [newId()]);
    });
    assert.equal(await count(), before + 1);
  });

  test('queued statements are dropped when the work throws', async () => {
    const before = await count();
    await assert.rejects(
      app.db.tenant.transaction(scope(), async (tx) => {
        await tx.query('select 1');
        tx.queue(INSERT, [newId()]);
        throw new Error('stop');
      }),
      /stop/,
    );
    assert.equal(await count(), before);
  });
});
