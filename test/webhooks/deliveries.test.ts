// Webhook deliveries end to end, below the outbox dispatcher: events handed
// to the webhook sink in a transaction of their organisation (as the
// dispatcher does), then the delivery worker, on a fake clock, POSTing to a
// local receiver. Signatures, backoff, outages, order per record, 410,
// persistent failure, rotation, test-send, retry and isolation.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { OutboxEvent } from '../../src/events/index.ts';
import { CLAIM_DELIVERY } from '../../src/webhooks/webhooks.sql.ts';
import { signup, type SignedUp } from '../helpers/test-app.ts';
import { dispatch, outboxEvent, Receiver, startWebhookApp, testWorker, type WebhookApp } from './webhook-app.ts';

describe('webhook deliveries', () => {
  let app: WebhookApp;
  let receiver: Receiver;
  let url: string;

  before(async () => {
    app = await startWebhookApp();
    receiver = new Receiver();
    url = await receiver.start();
  });
  after(async () => {
    await receiver.stop();
    await app.stop();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer = () => 200;
  });

  async function endpoint(owner: SignedUp, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
    const response = await app.request({ method: 'POST', url: '/api/webhooks', token: owner.token, body: { url, events } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }

  async function deliveries(owner: SignedUp, id: string): Promise<Array<Record<string, unknown>>> {
    const response = await app.request({ method: 'GET', url: `/api/webhooks/${id}/deliveries?limit=200`, token: owner.token });
    assert.equal(response.statusCode, 200, response.body);
    return response.json().data;
  }

  it('delivers matching events only, signed per Standard Webhooks, once per event id', async () => {
    const owner = await signup(app.base);
    const stranger = await signup(app.base);
    const hook = await endpoint(owner, ['record.*']);
    await endpoint(stranger, ['*']);
    const created = outboxEvent(owner.tenantId, 'record.created', { type: 'ticket', id: 'r1' }, { title: 'Hello' });
    const plan = outboxEvent(owner.tenantId, 'tenant.plan_changed', { type: 'tenant', id: owner.tenantId });
    await dispatch(app, [created, plan]);
    await dispatch(app, [created]); // a re-claimed event adds nothing
    const { worker } = testWorker(app);
    assert.equal(await worker.runOnce(), 1);

    assert.equal(receiver.for(owner.tenantId).length, 1, 'only the matching event, only to its organisation');
    const [request] = receiver.for(owner.tenantId);
    assert.equal(request!.headers['webhook-id'], created.id);
    const verified = new Webhook(hook.secret).verify(request!.body, {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    }) as Record<string, unknown>;
    assert.equal(verified.type, 'record.created');
    assert.equal(verified.tenant_id, owner.tenantId);
    assert.deepEqual(verified.data, { title: 'Hello' });
    const [delivery] = await deliveries(owner, hook.id);
    assert.equal(delivery!.status, 'delivered');
    assert.equal(delivery!.attempts, 1);
    assert.equal(delivery!.last_response_code, 200);
    assert.equal(await worker.runOnce(), 0, 'delivered once');
  });

  it('retries a 500 with exponential backoff, then succeeds', async () => {
    const owner = await signup(app.base);
    const hook = await endpoint(owner);
    let failures = 2;
    receiver.answer = () => (failures-- > 0 ? 500 : 204);
    await dispatch(app, [outboxEvent(owner.tenantId, 'record.updated', { type: 'ticket', id: 'r1' })]);
    const clock = testWorker(app);
    assert.equal(await clock.worker.runOnce(), 1);
    let [delivery] = await deliveries(owner, hook.id);
    assert.equal(delivery!.status, 'pending');
    assert.equal(delivery!.last_response_code, 500);
    const firstRetry = Date.parse(String(delivery!.next_attempt_at)) - Date.parse(String(delivery!.last_attempt_at));
    assert.equal(firstRetry, 5_000);
    assert.equal(await clock.worker.runOnce(), 0, 'not due before its backoff');
    clock.advance(5_000);
    assert.equal(await clock.worker.runOnce(), 1);
    [delivery] = await deliveries(owner, hook.id);
    assert.equal(Date.parse(String(delivery!.next_attempt_at)) - Date.parse(String(delivery!.last_attempt_at)), 10_000);
    clock.advance(10_000);
    assert.equal(await clock.worker.runOnce(), 1);
    [delivery] = await deliveries(owner, hook.id);
    assert.equal(delivery!.status, 'delivered');
    assert.equal(delivery!.attempts, 3);
    assert.equal(delivery!.last_response_code, 204);
    assert.equal(new Set(receiver.for(owner.tenantId).map((entry) => entry.headers['webhook-id'])).size, 1, 'every attempt carries the same webhook-id');
  });

  it('loses nothing while the receiver is down and keeps the order per record', async () => {
    const owner = await signup(app.base);
    await endpoint(owner);
    let down = true;
    receiver.answer = () => (down ? 503 : 200);
    const events: OutboxEvent[] = [];
    for (let index = 0; index < 12; index += 1) {
      events.push(outboxEvent(owner.tenantId, index === 0 ? 'record.created' : 'record.updated', { type: 'ticket', id: `r${index % 3}` }, { n: index }));
    }
    await dispatch(app, events.slice(0, 6));
    await dispatch(app, events.slice(6));
    const clock = testWorker(app);
    for (let round = 0; round < 4; round += 1) {
      await clock.drain();
      clock.advance(60_000);
    }
    // Only the head of each record's queue was tried while the receiver was down.
    const triedWhileDown = new Set(receiver.for(owner.tenantId).map((entry) => JSON.parse(entry.body).subject.id));
    assert.deepEqual([...triedWhileDown].sort(), ['r0', 'r1', 'r2']);
    assert.ok(receiver.for(owner.tenantId).every((entry) => [events[0]!.id, events[1]!.id, events[2]!.id].includes(String(entry.headers['webhook-id']))));
    down = false;
    for (let round = 0; round < 20 && receiver.delivered(owner.tenantId).length < events.length; round += 1) {
      await clock.drain();
      clock.advance(60 * 60_000);
    }
    const delivered = receiver.delivered(owner.tenantId);
    assert.equal(new Set(delivered.map((body) => body.id)).size, events.length, 'every event delivered');
    for (const record of ['r0', 'r1', 'r2']) {
      const order = delivered.filter((body) => body.subject.id === record).map((body) => body.data.n);
      const expected = events.filter((event) => event.subject.id === record).map((event) => (event.payload as { n: number }).n);
      assert.deepEqual(order, expected, `order of ${record}`);
    }
    // Duplicates (none expected here) would carry the same webhook-id and body.
    const bodies = new Map<string, string>();
    for (const entry of receiver.for(owner.tenantId)) {
      const id = String(entry.headers['webhook-id']);
      if (bodies.has(id)) assert.equal(bodies.get(id), entry.body);
      bodies.set(id, entry.body);
    }
  });

  it('disables the endpoint at once on 410 Gone and notifies the gestores', async () => {
    const owner = await signup(app.base);
    const hook = await endpoint(owner);
    receiver.answer = () => 410;
    await dispatch(app, [outboxEvent(owner.tenantId, 'record.created', { type: 'ticket', id: 'a' }), outboxEvent(owner.tenantId, 'record.created', { type: 'ticket', id: 'b' })]);
    const clock = testWorker(app);
    assert.equal(await clock.worker.runOnce(), 1, 'the second is not sent once the first disabled the endpoint');
    clock.advance(60_000);
    assert.equal(await clock.worker.runOnce(), 0);
    const state = (await app.request({ method: 'GET', url: `/api/webhooks/${hook.id}`, token: owner.token })).json();
    assert.equal(state.enabled, false);
    assert.equal(state.disabled_reason, 'gone');
    const notifications = await app.base.request({ method: 'GET', url: '/api/notifications', token: owner.token });
    assert.ok(notifications.json().data.some((notification: { title: string }) => notification.title === 'Webhook endpoint disabled'));

    // Re-enabled, the waiting delivery goes out.
    receiver.answer = () => 200;
    const enabled = await app.request({ method: 'PATCH', url: `/api/webhooks/${hook.id}`, token: owner.token, body: { enabled: true } });
    assert.equal(enabled.json().disabled_reason, null);
    assert.equal(await clock.worker.runOnce(), 1);
  });

  it('disables an endpoint that keeps failing once a delivery is given up', async () => {
    const owner = await signup(app.base);
    const hook = await endpoint(owner);
    receiver.answer = () => 500;
    await dispatch(app, [outboxEvent(owner.tenantId, 'record.created', { type: 'ticket', id: 'a' })]);
    const clock = testWorker(app);
    for (let attempt = 0; attempt < 15; attempt += 1) {
      await clock.drain();
      clock.advance(11 * 60 * 60_000);
    }
    assert.equal(receiver.for(owner.tenantId).length, 15);
    const [delivery] = await deliveries(owner, hook.id);
    assert.equal(delivery!.status, 'failed');
    const state = (await app.request({ method: 'GET', url: `/api/webhooks/${hook.id}`, token: owner.token })).json();
    assert.equal(state.enabled, false);
    assert.equal(state.disabled_reason, 'failing');

    // A manual retry makes it pending again (it waits while the endpoint is disabled).
    const retried = await app.request({ method: 'POST', url: `/api/webhooks/${hook.id}/deliveries/${delivery!.id}/retry`, token: owner.token });
    assert.equal(retried.statusCode, 202, retried.body);
    assert.equal(retried.json().status, 'pending');
  });

  it('signs with both secrets during a rotation, and sends test events', async () => {
    const owner = await signup(app.base);
    const hook = await endpoint(owner);
    const rotated = (await app.request({ method: 'POST', url: `/api/webhooks/${hook.id}/rotate-secret`, token: owner.token })).json();
    const test = await app.request({ method: 'POST', url: `/api/webhooks/${hook.id}/test`, token: owner.token });
    assert.equal(test.statusCode, 202, test.body);
    assert.equal(test.json().event_type, 'webhook.test');
    const clock = testWorker(app);
    assert.equal(await clock.worker.runOnce(), 1);
    const [request] = receiver.for(owner.tenantId);
    const headers = {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    };
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    for (const secret of [hook.secret, rotated.secret]) assert.equal((new Webhook(secret).verify(request!.body, headers) as { type: string }).type, 'webhook.test');
  });

  it('sends a delivery again after a worker died mid-attempt, with the same webhook-id', async () => {
    const owner = await signup(app.base);
    const hook = await endpoint(owner);
    const event = outboxEvent(owner.tenantId, 'record.created', { type: 'ticket', id: 'a' });
    await dispatch(app, [event]);
    // A worker claims it (lease until now + 70 s) and dies before sending or recording anything.
    const now = new Date(Date.now() + 1_000);
    const claimed = await app.base.db.tenant.transaction({ tenantId: owner.tenantId, userId: null }, (tx) =>
      tx.query(CLAIM_DELIVERY, [hook.id, event.id, now.toISOString(), new Date(now.getTime() + 70_000).toISOString()]),
    );
    assert.equal(claimed.rowCount, 1);
    const clock = testWorker(app);
    assert.equal(await clock.worker.runOnce(), 0, 'leased: no other worker takes it');
    clock.advance(70_000);
    assert.equal(await clock.worker.runOnce(), 1);
    assert.deepEqual(receiver.for(owner.tenantId).map((entry) => entry.headers['webhook-id']), [event.id]);
    const [delivery] = await deliveries(owner, hook.id);
    assert.equal(delivery!.status, 'delivered');
    assert.equal(delivery!.attempts, 2);
  });

  it('refuses to send to a private address without the flag', async () => {
    const owner = await signup(app.base);
    const hook = await endpoint(owner);
    await dispatch(app, [outboxEvent(owner.tenantId, 'record.created', { type: 'ticket', id: 'a' })]);
    const clock = testWorker(app, { allowPrivate: false });
    assert.equal(await clock.worker.runOnce(), 1);
    assert.equal(receiver.for(owner.tenantId).length, 0, 'nothing reached the receiver');
    const [delivery] = await deliveries(owner, hook.id);
    assert.equal(delivery!.status, 'pending');
    assert.match(String(delivery!.last_error), /https|private/);
  });
});

