// Concurrent transitions on one record (issue #6, "Running"): the record is
// locked for a transition, so of many concurrent requests of one transition
// exactly one wins and the others find the record moved on (409); and a
// run of concurrent transitions back and forth loses no update: every
// winner bumps the version by one and the history is an unbroken chain.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signup, type SignedUp } from '../helpers/test-app.ts';
import { defineType } from '../helpers/entities.ts';
import { startWorkflowApp, type WorkflowApp } from './workflow-app.ts';
import { create, perform, publish } from './transition-fixtures.ts';

const SWITCH = { key: 'switch', label: 'Switch', fields: [{ key: 'flips', type: 'integer' }, { key: 'last_by', type: 'user' }] };

const SWITCH_FLOW = {
  key: 'switch-flow',
  entity_type: 'switch',
  initial: 'off',
  states: [
    { key: 'off', category: 'new' },
    { key: 'on', category: 'active' },
    { key: 'broken', category: 'closed', final: true },
  ],
  transitions: [
    { key: 'turn_on', from: ['off'], to: 'on', guards: [{ role: ['gestor'] }], effects: [{ set: { last_by: { current_user: true } } }, { webhook: { event: 'switch.on' } }] },
    { key: 'turn_off', from: ['on'], to: 'off', effects: [{ set: { last_by: { current_user: true } } }] },
    { key: 'break', from: ['off', 'on'], to: 'broken' },
  ],
};

describe('concurrent transitions', () => {
  let app: WorkflowApp;
  let owner: SignedUp;

  before(async () => {
    app = await startWorkflowApp();
    owner = await signup(app);
    await defineType(app, owner.token, SWITCH);
    await publish(app, owner.token, SWITCH_FLOW);
  });
  after(async () => {
    await app.stop();
  });

  const history = async (id: string) =>
    (await app.request({ method: 'GET', url: `/api/records/switch/${id}/history?limit=200`, token: owner.token })).json().data as {
      kind: string;
      from_state: string | null;
      to_state: string;
    }[];

  test('20 concurrent requests of one transition: exactly one 200, the others 409', async () => {
    const record = await create(app, owner.token, 'switch', {});
    const answers = await Promise.all(Array.from({ length: 20 }, () => perform(app, owner.token, 'switch', record.id, 'turn_on')));
    const statuses = answers.map((answer) => answer.statusCode).sort();
    assert.deepEqual(statuses, [200, ...Array<number>(19).fill(409)], answers.map((answer) => answer.body).join('\n'));
    for (const lost of answers.filter((answer) => answer.statusCode === 409)) assert.equal(lost.json().type, '/problems/transition-not-available');
    const read = (await app.request({ method: 'GET', url: `/api/records/switch/${record.id}`, token: owner.token })).json();
    assert.equal(read.state, 'on');
    assert.equal(read.version, Number(record.version) + 1);
    assert.equal((await history(record.id)).length, 2);
  });

  test('step by step: one winner per step, the version rises by one per winner', async () => {
    const record = await create(app, owner.token, 'switch', {});
    let version = Number(record.version);
    for (let step = 0; step < 6; step += 1) {
      const key = step % 2 === 0 ? 'turn_on' : 'turn_off';
      const answers = await Promise.all(Array.from({ length: 8 }, () => perform(app, owner.token, 'switch', record.id, key)));
      const won = answers.filter((answer) => answer.statusCode === 200);
      assert.equal(won.length, 1, `step ${step}`);
      assert.ok(answers.every((answer) => answer.statusCode === 200 || answer.statusCode === 409));
      version += 1;
      assert.equal(won[0]?.json().record.version, version);
    }
    assert.equal((await history(record.id)).length, 7);
  });

  test('transitions back and forth at once lose no update: the history is one unbroken chain', async () => {
    const record = await create(app, owner.token, 'switch', {});
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, index) => perform(app, owner.token, 'switch', record.id, index % 2 === 0 ? 'turn_on' : 'turn_off')),
    );
    const winners = answers.filter((answer) => answer.statusCode === 200).length;
    assert.ok(winners >= 1);
    assert.ok(answers.every((answer) => answer.statusCode === 200 || answer.statusCode === 409));
    const read = (await app.request({ method: 'GET', url: `/api/records/switch/${record.id}`, token: owner.token })).json();
    assert.equal(read.version, Number(record.version) + winners);
    const entries = (await history(record.id)).filter((entry) => entry.kind === 'transition');
    assert.equal(entries.length, winners);
    let state = 'off';
    for (const entry of entries) {
      assert.equal(entry.from_state, state);
      state = entry.to_state;
    }
    assert.equal(read.state, state);
    // The versions of the winners' answers are all different: none applied to a version another had changed.
    const versions = answers.filter((answer) => answer.statusCode === 200).map((answer) => answer.json().record.version);
    assert.equal(new Set(versions).size, winners);
  });
});
