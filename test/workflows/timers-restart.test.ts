// Timers across a process restart: timers are armed through one app, whose
// worker fires part of them and then the app stops; a NEW app built on the
// same database runs a worker (its poll loop, not runOnce) that fires the
// rest. Every timer fires exactly once, whichever process ran it.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { buildApp, type BuiltApp } from '../../src/app.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb } from '../members/helpers.ts';
import { HOUR, NO_WORKERS, TICKET, TICKET_FLOW, createRecord, fakeClock, publishWorkflow, timerWorker, transition } from './timer-fixtures.ts';

const RECORDS = 6;

describe('workflows: timers survive a restart', () => {
  let first: TestApp;
  let second: BuiltApp | null = null;
  let admin: AdminDb;
  let owner: SignedUp;

  before(async () => {
    first = await startTestApp(NO_WORKERS);
    admin = await AdminDb.connect(first);
    owner = await signup(first);
    await publishWorkflow(first, owner, TICKET, TICKET_FLOW);
  });
  after(async () => {
    await admin.close();
    await second?.close();
    // The first app is closed by the test; only its database and data directory remain.
    await first.database.drop();
    await rm(first.config.dataDir, { recursive: true, force: true });
  });

  test('timers armed before a stop fire exactly once after it, from a new process', async () => {
    const ids: string[] = [];
    for (let i = 0; i < RECORDS; i += 1) {
      const record = await createRecord(first, owner, 'ticket', { title: `restart ${i}`, priority: 'low' });
      await transition(first, owner, 'ticket', record.id, 'park');
      ids.push(record.id);
    }
    const clock = fakeClock(new Date(Date.now() + 2 * HOUR + 60_000));

    // The first process fires two (a batch of two), then stops.
    const before = timerWorker(first.db, clock, { batch: 2 });
    assert.equal(await before.worker.runOnce(), 2);
    await before.worker.stop();
    await first.close();

    // A new process on the same database: its worker's loop picks up what is due.
    second = await buildApp(first.config, { appUrl: first.database.appUrl, operatorUrl: first.database.operatorUrl });
    await second.app.ready();
    const afterRestart = timerWorker(second.db, clock, { batch: 2 });
    afterRestart.worker.start();
    // Wait for the queue to drain (a condition, not a duration: at most ~10 s before failing).
    for (let i = 0; i < 200; i += 1) {
      const { rows } = await admin.query<{ pending: number }>(
        `select count(*)::int as pending from workflow_timers where record_id = any($1::uuid[]) and kind = 'transition' and status = 'pending' and state = 'waiting'`,
        [ids],
      );
      if (rows[0]!.pending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await afterRestart.worker.stop();

    const fired = [...before.seen, ...afterRestart.seen].filter((seen) => seen.outcome === 'fired').map((seen) => seen.timerId);
    assert.equal(fired.length, RECORDS, 'every timer fired once, across both processes');
    assert.equal(new Set(fired).size, RECORDS);
    assert.equal(afterRestart.seen.filter((seen) => seen.outcome === 'fired').length, RECORDS - 2);
    const { rows } = await admin.query<{ record_id: string; timeouts: number; state: string; timer_status: string[] }>(
      `select r.id as record_id, r.state,
         (select count(*)::int from record_history h where h.record_id = r.id and h.kind = 'timeout') as timeouts,
         (select array_agg(t.status order by t.created_at) from workflow_timers t where t.record_id = r.id and t.kind = 'transition') as timer_status
       from records r where r.id = any($1::uuid[])`,
      [ids],
    );
    assert.equal(rows.length, RECORDS);
    for (const row of rows) {
      assert.equal(row.state, 'open', row.record_id);
      assert.equal(row.timeouts, 1, row.record_id);
      assert.deepEqual(row.timer_status, ['fired'], row.record_id);
    }
  });
});
