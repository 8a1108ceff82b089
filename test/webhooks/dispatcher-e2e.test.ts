// From the outbox to the receiver: events written with emitEvent in a
// transaction of their organisation, moved by the outbox dispatcher
// (src/events/dispatcher) through the WebhookSink, then sent by the delivery
// worker. Each event is delivered once, in order per record.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emitEvent } from '../../src/events/index.ts';
import { OutboxDispatcher } from '../../src/events/dispatcher/index.ts';
import { WebhookSink } from '../../src/webhooks/index.ts';
import { signup } from '../helpers/test-app.ts';
import { Receiver, startWebhookApp, testWorker, type WebhookApp } from './webhook-app.ts';

describe('outbox to webhook', () => {
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

  it('delivers every emitted event that matches, once, in order per record', async () => {
    const owner = await signup(app.base);
    const created = await app.request({ method: 'POST', url: '/api/webhooks', token: owner.token, body: { url, events: ['record.*'] } });
    assert.equal(created.statusCode, 201, created.body);
    const clock = testWorker(app);
    let woken = 0;
    const dispatcher = new OutboxDispatcher(app.base.db, [new WebhookSink(() => (woken += 1))], { pollMs: 60_000, batch: 5, listenUrl: null }, { warn: () => undefined, error: () => undefined });

    const ids: string[] = [];
    await app.base.db.tenant.transaction({ tenantId: owner.tenantId, userId: null }, async (tx) => {
      for (let n = 0; n < 8; n += 1) {
        ids.push(await emitEvent(tx, { type: n === 0 ? 'record.created' : 'record.updated', subject: { type: 'ticket', id: `r${n % 2}` }, payload: { n } }));
      }
      await emitEvent(tx, { type: 'member.invited', subject: { type: 'member', id: null }, payload: {} });
    });
    // Drain the outbox (batches of 5), then the deliveries.
    for (let round = 0; round < 10 && (await dispatcher.poll()); round += 1);
    await dispatcher.poll();
    assert.ok(woken > 0, 'the sink woke the delivery worker');
    await clock.drain();

    const delivered = receiver.delivered(owner.tenantId);
    assert.deepEqual(delivered.map((body) => body.id).sort(), [...ids].sort(), 'each record event once, member.invited not');
    for (const record of ['r0', 'r1']) {
      const order = delivered.filter((body) => body.subject.id === record).map((body) => body.data.n);
      assert.deepEqual(order, [...order].sort((a, b) => Number(a) - Number(b)), `order of ${record}`);
    }
    await dispatcher.stop();
  });
});
