import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OutboxDispatcher } from '../../src/events/dispatcher/index.ts';
import type { OutboxEvent } from '../../src/events/sink.ts';
import { signup, type TestApp } from '../helpers/test-app.ts';
import { asOwner, drain, eventually, pendingIds, RecordingSink, startQuietApp, writeEvents } from './outbox-fixtures.ts';

const log = { warn: () => undefined, error: () => undefined };

describe('outbox dispatcher', () => {
  let app: TestApp;
  let tenants: string[];

  before(async () => {
    app = await startQuietApp();
    tenants = [];
    for (let index = 0; index < 3; index += 1) tenants.push((await signup(app)).tenantId);
  });
  after(async () => {
    await app.stop();
  });

  /** Delivers whatever signup and earlier tests left pending, so each test counts only its own events. */
  async function settle(): Promise<void> {
    const sink = new RecordingSink();
    await drain(() => new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 500, listenUrl: null }, log).poll());
  }

  test('delivers every pending event once, in id order per organisation, and marks it published', async () => {
    await settle();
    const written = new Map<string, string[]>();
    for (const tenantId of tenants) written.set(tenantId, await writeEvents(app, tenantId, 7));
    const sink = new RecordingSink();
    const dispatcher = new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 3, listenUrl: null }, log);
    await drain(() => dispatcher.poll());
    for (const tenantId of tenants) {
      assert.deepEqual(sink.ids(tenantId), written.get(tenantId), 'each event once, in id order');
      assert.deepEqual(await pendingIds(app, tenantId), []);
    }
    for (const call of sink.calls) assert.equal(new Set(call.map((event) => event.tenantId)).size, 1, 'one organisation per claim');
    const first = sink.calls.flat().find((event) => event.tenantId === tenants[0]);
    assert.equal(first?.type, 'record.updated');
    assert.deepEqual(first?.subject, { type: 'record', id: 'r1' });
    assert.deepEqual(first?.payload, { n: 0 });
    assert.ok(first?.occurredAt instanceof Date);
  });

  test('two dispatchers racing deliver each event exactly once, still in order per organisation', async () => {
    await settle();
    const written = new Map<string, string[]>();
    for (const tenantId of tenants) written.set(tenantId, await writeEvents(app, tenantId, 40));
    // One shared sink: its calls are in the order the claims ran, across both dispatchers.
    const sink = new RecordingSink();
    const first = new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 5, listenUrl: null }, log);
    const second = new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 5, listenUrl: null }, log);
    const run = async (dispatcher: OutboxDispatcher) => {
      for (let round = 0; round < 100; round += 1) {
        await dispatcher.poll();
        const left = await Promise.all(tenants.map((tenantId) => pendingIds(app, tenantId)));
        if (left.every((ids) => ids.length === 0)) return;
      }
    };
    await Promise.all([run(first), run(second)]);
    for (const tenantId of tenants) {
      assert.deepEqual(sink.ids(tenantId), written.get(tenantId), 'once each, in id order');
    }
  });

  test('a failing sink leaves the events pending; they go out once it recovers', async () => {
    await settle();
    const [tenantId] = tenants;
    assert.ok(tenantId);
    const ids = await writeEvents(app, tenantId, 4);
    const sink = new RecordingSink();
    sink.failNext = 1;
    const failing = new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 100, listenUrl: null }, log);
    await failing.poll();
    assert.deepEqual(await pendingIds(app, tenantId), ids, 'the claim rolled back');
    assert.deepEqual(sink.ids(tenantId), []);
    // The same dispatcher backs off this organisation; a fresh one (another process) delivers.
    await failing.poll();
    assert.deepEqual(sink.ids(tenantId), [], 'backing off');
    await drain(() => new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 100, listenUrl: null }, log).poll());
    assert.deepEqual(sink.ids(tenantId), ids);
    assert.deepEqual(await pendingIds(app, tenantId), []);
  });

  test('events of a suspended organisation still go out', async () => {
    await settle();
    const tenantId = tenants[2];
    assert.ok(tenantId);
    const ids = await writeEvents(app, tenantId, 2);
    await asOwner(app, `update tenants set status = 'suspended' where id = $1`, [tenantId]);
    try {
      const sink = new RecordingSink();
      await drain(() => new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 100, listenUrl: null }, log).poll());
      assert.deepEqual(sink.ids(tenantId), ids);
    } finally {
      await asOwner(app, `update tenants set status = 'active' where id = $1`, [tenantId]);
    }
  });

  test('a commit wakes a listening dispatcher (LISTEN/NOTIFY), without waiting for its poll', async () => {
    await settle();
    const [tenantId] = tenants;
    assert.ok(tenantId);
    const seen: OutboxEvent[] = [];
    const sink = new RecordingSink();
    // An hour between polls: only the notification can make it dispatch in this test.
    const dispatcher = new OutboxDispatcher(
      app.db,
      [sink],
      { pollMs: 3_600_000, batch: 100, listenUrl: app.database.appUrl, onDispatched: (events) => seen.push(...events) },
      log,
    );
    await dispatcher.start();
    try {
      // The start-up poll drains what is there; then the loop sleeps.
      await eventually(async () => (await pendingIds(app, tenantId)).length === 0, 'the first poll');
      const ids = await writeEvents(app, tenantId, 3);
      await eventually(() => ids.every((id) => seen.some((event) => event.id === id)), 'the notified dispatch');
      assert.deepEqual(sink.ids(tenantId).slice(-3), ids);
    } finally {
      await dispatcher.stop();
    }
  });
});
