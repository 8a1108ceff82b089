// Against the machine's NATS server (127.0.0.1:4222, NATS_TEST_URL to change
// it). Each run uses its own stream and subject prefix, removed at the end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { OutboxDispatcher } from '../../src/events/dispatcher/index.ts';
import { NatsSink, natsSubject } from '../../src/events/nats/index.ts';
import type { EventEnvelope } from '../../src/events/envelope.ts';
import { signup, type TestApp } from '../helpers/test-app.ts';
import { drain, pendingIds, RecordingSink, startQuietApp, writeEvents } from './outbox-fixtures.ts';

const NATS_URL = process.env.NATS_TEST_URL ?? 'nats://127.0.0.1:4222';
const log = { warn: () => undefined, error: () => undefined };
const run = randomUUID().replaceAll('-', '').slice(0, 12);
const prefix = `tessera_test_${run}`;
const stream = `TESSERA_TEST_${run}`;

describe('NATS JetStream sink', () => {
  let app: TestApp;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let sink: NatsSink;
  let tenantA: string;
  let tenantB: string;

  before(async () => {
    app = await startQuietApp();
    nc = await connect({ servers: NATS_URL });
    jsm = await jetstreamManager(nc);
    sink = new NatsSink({ url: NATS_URL, prefix, stream });
    tenantA = (await signup(app)).tenantId;
    tenantB = (await signup(app)).tenantId;
  });
  after(async () => {
    await sink.close();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
    await app.stop();
  });

  /** Every message stored for `subject` (a filter), decoded, in stream order. */
  async function stored(filter: string): Promise<{ subject: string; msgId: string | undefined; body: EventEnvelope }[]> {
    const name = `check_${randomUUID().slice(0, 8)}`;
    await jsm.consumers.add(stream, { name, filter_subject: filter, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
    const consumer = await jetstream(nc).consumers.get(stream, name);
    const pending = (await consumer.info()).num_pending;
    const out: { subject: string; msgId: string | undefined; body: EventEnvelope }[] = [];
    if (pending > 0) {
      const batch = await consumer.fetch({ max_messages: pending, expires: 5_000 });
      for await (const message of batch) {
        out.push({ subject: message.subject, msgId: message.headers?.get('Nats-Msg-Id'), body: message.json<EventEnvelope>() });
        if (out.length >= pending) break;
      }
    }
    await jsm.consumers.delete(stream, name);
    return out;
  }

  test('publishes each event once, on tessera.<tenant_id>.<event_type>, in order, with its id as message id', async () => {
    const a = await writeEvents(app, tenantA, 5, 'ra');
    const b = await writeEvents(app, tenantB, 3, 'rb');
    const dispatcher = new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 2, listenUrl: null }, log);
    await drain(() => dispatcher.poll());
    assert.deepEqual(await pendingIds(app, tenantA), []);

    const ofA = (await stored(`${prefix}.${tenantA}.record.>`)).filter((message) => message.body.subject.id === 'ra');
    assert.deepEqual(ofA.map((message) => message.body.id), a, 'once each, in id order');
    for (const message of ofA) {
      assert.equal(message.subject, `${prefix}.${tenantA}.record.updated`);
      assert.equal(message.msgId, message.body.id);
      assert.equal(message.body.tenant_id, tenantA);
      assert.equal(message.body.type, 'record.updated');
    }
    // Another organisation's subjects carry none of A's events, and the reverse.
    const ofB = await stored(`${prefix}.${tenantB}.>`);
    assert.ok(ofB.every((message) => message.body.tenant_id === tenantB && !a.includes(message.body.id)));
    assert.deepEqual(ofB.filter((message) => message.body.subject.id === 'rb').map((message) => message.body.id), b);
  });

  test('a publish repeated after a failed claim is de-duplicated by JetStream', async () => {
    const ids = await writeEvents(app, tenantA, 3, 'dup');
    // The first claim publishes, then a later sink fails: the claim rolls back and the rows stay pending.
    const failing = new RecordingSink();
    failing.failNext = 1;
    await new OutboxDispatcher(app.db, [sink, failing], { pollMs: 1000, batch: 100, listenUrl: null }, log).poll();
    assert.deepEqual(await pendingIds(app, tenantA), ids);
    // The retry publishes the same ids again.
    await drain(() => new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 100, listenUrl: null }, log).poll());
    assert.deepEqual(await pendingIds(app, tenantA), []);
    const messages = (await stored(`${prefix}.${tenantA}.>`)).filter((message) => message.body.subject.id === 'dup');
    assert.deepEqual(messages.map((message) => message.body.id), ids, 'stored once each');
  });

  test('NATS down: events stay pending and go out once it is reachable', async () => {
    const ids = await writeEvents(app, tenantB, 2, 'down');
    // Nothing listens on port 1: connecting fails at once.
    const unreachable = new NatsSink({ url: 'nats://127.0.0.1:1', prefix, stream, timeoutMs: 1_000 });
    await new OutboxDispatcher(app.db, [unreachable], { pollMs: 1000, batch: 100, listenUrl: null }, log).poll();
    await unreachable.close();
    assert.deepEqual(await pendingIds(app, tenantB), ids);
    await drain(() => new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 100, listenUrl: null }, log).poll());
    assert.deepEqual(await pendingIds(app, tenantB), []);
    const messages = (await stored(`${prefix}.${tenantB}.>`)).filter((message) => message.body.subject.id === 'down');
    assert.deepEqual(messages.map((message) => message.body.id), ids);
  });

  test('a billing service subscribes to every organisation\'s lifecycle with tessera.*.tenant.>', async () => {
    const dispatcher = new OutboxDispatcher(app.db, [sink], { pollMs: 1000, batch: 100, listenUrl: null }, log);
    await drain(() => dispatcher.poll());
    const lifecycle = await stored(`${prefix}.*.tenant.>`);
    const created = lifecycle.filter((message) => message.body.type === 'tenant.created').map((message) => message.body.tenant_id);
    assert.ok(created.includes(tenantA) && created.includes(tenantB));
    assert.ok(lifecycle.every((message) => message.body.type.startsWith('tenant.')));
  });

  test('subjects keep event types to safe tokens', () => {
    assert.equal(natsSubject('tessera', { tenantId: 't1', type: 'record.created' }), 'tessera.t1.record.created');
    assert.equal(natsSubject('tessera', { tenantId: 't1', type: 'a.*.>. b' }), 'tessera.t1.a._._._b');
  });
});
