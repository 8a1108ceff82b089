// The timer worker with a fake clock (runOnce(), no sleeping): state timeouts
// (`after` a duration, `at` a field's date) perform their transition exactly
// once even with two workers racing; a record that left the stay is left
// alone; SLA marks move sla_status with outbox events and audit entries
// (never the record's version); an SLA under a business calendar is due
// across a weekend and a DST change in the organisation's zone; start_timer
// events; a failing timer is retried with a backoff and given up without
// stopping the batch.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineType } from '../helpers/entities.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb } from '../members/helpers.ts';
import {
  HOUR,
  NO_WORKERS,
  TICKET,
  TICKET_FLOW,
  createRecord,
  fakeClock,
  getRecord,
  ownerCall,
  publishWorkflow,
  timerWorker,
  transition,
  transitionsOn,
} from './timer-fixtures.ts';

interface TimerRow {
  id: string;
  kind: string;
  status: string;
  state: string;
  attempts: number;
  last_error: string | null;
  due_at: Date;
  fired_at: Date | null;
  transition_key: string | null;
}

describe('workflows: timers and SLAs', () => {
  let app: TestApp;
  let admin: AdminDb;
  let owner: SignedUp;

  before(async () => {
    app = await startTestApp(NO_WORKERS);
    admin = await AdminDb.connect(app);
    owner = await signup(app);
    await publishWorkflow(app, owner, TICKET, TICKET_FLOW);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  const timersOf = async (recordId: string): Promise<TimerRow[]> =>
    (await admin.query<TimerRow>(`select id, kind, status, state, attempts, last_error, due_at, fired_at, transition_key from workflow_timers where record_id = $1 order by created_at, id`, [recordId])).rows;
  const stateOf = async (recordId: string) =>
    (await admin.query<{ state: string; version: number; sla_status: string | null; sla_due_at: Date | null; sla_at_risk_at: Date | null; updated_at: Date }>(
      `select state, version, sla_status, sla_due_at, sla_at_risk_at, updated_at from records where id = $1`, [recordId],
    )).rows[0]!;
  const historyOf = async (recordId: string) =>
    (await admin.query<{ kind: string; transition_key: string | null; from_state: string | null; to_state: string; actor_type: string; actor_id: string | null }>(
      `select kind, transition_key, from_state, to_state, actor_type, actor_id from record_history where record_id = $1 order by occurred_at, id`, [recordId],
    )).rows;

  test('an `after` timeout performs its transition once, with two workers racing for the same timers', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const record = await createRecord(app, owner, 'ticket', { title: `race ${i}`, priority: 'low' });
      await transition(app, owner, 'ticket', record.id, 'park');
      ids.push(record.id);
    }
    const parkedAt = Date.now();
    const clock = fakeClock(new Date(parkedAt + 2 * HOUR - 60_000));
    const one = timerWorker(app.db, clock);
    const two = timerWorker(app.db, clock);
    assert.equal(await one.worker.runOnce(), 0, 'nothing is due a minute early');
    for (const id of ids) assert.equal((await stateOf(id)).state, 'waiting');

    clock.now = new Date(parkedAt + 2 * HOUR + 60_000);
    const [firedByOne, firedByTwo] = await Promise.all([one.worker.runOnce(), two.worker.runOnce()]);
    assert.equal(firedByOne + firedByTwo, 10, `each timer fired once (${firedByOne} + ${firedByTwo})`);
    const fired = [...one.seen, ...two.seen].filter((seen) => seen.outcome === 'fired').map((seen) => seen.timerId);
    assert.equal(new Set(fired).size, 10, 'no timer fired twice');
    for (const id of ids) {
      assert.equal((await stateOf(id)).state, 'open');
      const timeouts = (await historyOf(id)).filter((entry) => entry.kind === 'timeout');
      assert.deepEqual(timeouts, [{ kind: 'timeout', transition_key: 'wake', from_state: 'waiting', to_state: 'open', actor_type: 'system', actor_id: null }]);
      const wake = (await timersOf(id)).filter((timer) => timer.kind === 'transition');
      assert.deepEqual(wake.map((timer) => timer.status), ['fired']);
      assert.ok(wake[0]!.fired_at !== null);
    }
    // Nothing left to do for either worker.
    assert.equal(await one.worker.runOnce(), 0);
    assert.equal(await two.worker.runOnce(), 0);
  });

  test('an `at` timeout fires at the field\'s date; no date, no timer', async () => {
    const deadline = new Date(Date.now() + 24 * HOUR);
    const dated = await createRecord(app, owner, 'ticket', { title: 'dated', priority: 'low', deadline: deadline.toISOString() });
    const undated = await createRecord(app, owner, 'ticket', { title: 'undated', priority: 'low' });
    await transition(app, owner, 'ticket', dated.id, 'schedule');
    await transition(app, owner, 'ticket', undated.id, 'schedule');
    const datedTimer = (await timersOf(dated.id)).find((timer) => timer.kind === 'transition' && timer.status === 'pending');
    assert.equal(datedTimer?.due_at.toISOString(), deadline.toISOString());
    assert.deepEqual((await timersOf(undated.id)).filter((timer) => timer.kind === 'transition'), []);

    const clock = fakeClock(new Date(deadline.getTime() - 1000));
    const { worker, seen } = timerWorker(app.db, clock);
    await worker.runOnce();
    assert.equal((await stateOf(dated.id)).state, 'scheduled', 'not a second early');
    clock.now = new Date(deadline.getTime() + 1000);
    await worker.runOnce();
    assert.equal((await stateOf(dated.id)).state, 'expired');
    assert.equal((await stateOf(undated.id)).state, 'scheduled');
    assert.equal(seen.filter((s) => s.timerId === datedTimer?.id && s.outcome === 'fired').length, 1);
    assert.deepEqual((await historyOf(dated.id)).at(-1), { kind: 'timeout', transition_key: 'expire', from_state: 'scheduled', to_state: 'expired', actor_type: 'system', actor_id: null });
  });

  test('start_timer: an event in the outbox when due, only while the record stays', async () => {
    const stays = await createRecord(app, owner, 'ticket', { title: 'remind me', priority: 'low' });
    const leaves = await createRecord(app, owner, 'ticket', { title: 'gone before', priority: 'low' });
    await transition(app, owner, 'ticket', stays.id, 'schedule');
    await transition(app, owner, 'ticket', leaves.id, 'schedule');
    await transition(app, owner, 'ticket', leaves.id, 'finish');
    const clock = fakeClock(new Date(Date.now() + HOUR + 60_000));
    const { worker } = timerWorker(app.db, clock);
    await worker.runOnce();
    const events = await admin.events(owner.tenantId, 'ticket.reminder', stays.id);
    assert.equal(events.length, 1);
    assert.equal((events[0]!.payload.record as { state: string }).state, 'scheduled');
    assert.deepEqual(await admin.events(owner.tenantId, 'ticket.reminder', leaves.id), []);
    assert.deepEqual((await timersOf(leaves.id)).filter((timer) => timer.kind === 'event').map((timer) => timer.status), ['cancelled']);
    await worker.runOnce();
    assert.equal((await admin.events(owner.tenantId, 'ticket.reminder', stays.id)).length, 1, 'once');
  });

  test('a record that left the stay: its timers are cancelled, and one still pending is skipped, with no transition', async () => {
    const left = await createRecord(app, owner, 'ticket', { title: 'left', priority: 'low' });
    await transition(app, owner, 'ticket', left.id, 'park');
    await transition(app, owner, 'ticket', left.id, 'finish');
    assert.deepEqual((await timersOf(left.id)).filter((timer) => timer.state === 'waiting').map((timer) => timer.status), ['cancelled']);

    // A timer already due while the record moved (the race the stay check covers): still pending, but the stay is over.
    const raced = await createRecord(app, owner, 'ticket', { title: 'raced', priority: 'low' });
    await transition(app, owner, 'ticket', raced.id, 'park');
    await admin.query(`update records set state = 'open', state_category = 'new', state_entered_at = now() where id = $1`, [raced.id]);
    const clock = fakeClock(new Date(Date.now() + 2 * HOUR + 60_000));
    const { worker, seen } = timerWorker(app.db, clock);
    await worker.runOnce();
    const wake = (await timersOf(raced.id)).find((timer) => timer.kind === 'transition')!;
    assert.equal(wake.status, 'skipped');
    assert.match(wake.last_error ?? '', /left/);
    assert.equal(seen.find((s) => s.timerId === wake.id)?.outcome, 'skipped');
    assert.equal((await historyOf(raced.id)).filter((entry) => entry.kind === 'timeout').length, 0);
    assert.equal((await stateOf(raced.id)).state, 'open');
  });

  test('a timed transition whose guard fails is skipped with the reason', async () => {
    const blocked = await createRecord(app, owner, 'ticket', { title: 'blocked', priority: 'blocked' });
    await transition(app, owner, 'ticket', blocked.id, 'park');
    const clock = fakeClock(new Date(Date.now() + 2 * HOUR + 60_000));
    await timerWorker(app.db, clock).worker.runOnce();
    const wake = (await timersOf(blocked.id)).find((timer) => timer.kind === 'transition')!;
    assert.equal(wake.status, 'skipped');
    assert.ok((wake.last_error ?? '').length > 0);
    assert.equal((await stateOf(blocked.id)).state, 'waiting');
  });

  test('SLA: at_risk then breached, with outbox events and audit entries, without touching the version', async () => {
    const record = await createRecord(app, owner, 'ticket', { title: 'sla', priority: 'low' });
    const created = await stateOf(record.id);
    assert.equal(created.sla_status, 'ok');
    assert.ok(created.sla_due_at && created.sla_at_risk_at);
    const dueAt = created.sla_due_at.getTime();
    assert.equal(created.sla_at_risk_at.getTime(), dueAt - 0.2 * 4 * HOUR, 'at risk after 80 % of 4 h');

    const clock = fakeClock(new Date(created.sla_at_risk_at.getTime() - 1000));
    const { worker } = timerWorker(app.db, clock);
    await worker.runOnce();
    assert.equal((await stateOf(record.id)).sla_status, 'ok');
    clock.now = new Date(created.sla_at_risk_at.getTime() + 1000);
    await worker.runOnce();
    const atRisk = await stateOf(record.id);
    assert.equal(atRisk.sla_status, 'at_risk');
    assert.equal(atRisk.version, created.version, 'an SLA mark is not an edit');
    assert.equal(atRisk.updated_at.getTime(), created.updated_at.getTime());
    const riskEvents = await admin.events(owner.tenantId, 'record.sla_at_risk', record.id);
    assert.equal(riskEvents.length, 1);
    assert.equal((riskEvents[0]!.payload.sla as { status: string }).status, 'at_risk');

    clock.now = new Date(dueAt + 1000);
    await worker.runOnce();
    assert.equal((await stateOf(record.id)).sla_status, 'breached');
    assert.equal((await admin.events(owner.tenantId, 'record.sla_breached', record.id)).length, 1);
    const audit = await admin.audit(owner.tenantId, 'record.sla_breached', record.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_type, 'system');
    assert.equal(audit[0]!.after?.sla_status, 'breached');
    assert.deepEqual((await timersOf(record.id)).filter((t) => t.kind.startsWith('sla')).map((t) => [t.kind, t.status]), [['sla_at_risk', 'fired'], ['sla_breached', 'fired']]);

    // The record's view recomputes the status from the real clock (here hours before the fake one): only the due date is compared.
    const view = await getRecord(app, owner, 'ticket', record.id);
    assert.equal(view.sla_due_at, created.sla_due_at.toISOString());
    assert.equal(view.version, created.version);

    // Queryable (#4): the stored status.
    const fresh = await createRecord(app, owner, 'ticket', { title: 'fresh', priority: 'low' });
    const query = await app.request({
      method: 'POST',
      url: '/api/query',
      token: owner.token,
      body: { from: 'ticket', where: { field: 'sla_status', op: 'eq', value: 'breached' }, select: ['id', 'sla_status'] },
    });
    assert.equal(query.statusCode, 200, query.body);
    const rows = query.json().data as { id: string; sla_status: string }[];
    assert.ok(rows.some((row) => row.id === record.id), 'the breached record is found');
    assert.ok(!rows.some((row) => row.id === fresh.id), 'a record within its SLA is not');
    assert.ok(rows.every((row) => row.sla_status === 'breached'));
  });

  test('a late at_risk mark never undoes a breach', async () => {
    const record = await createRecord(app, owner, 'ticket', { title: 'late', priority: 'low' });
    const timers = await timersOf(record.id);
    const atRisk = timers.find((t) => t.kind === 'sla_at_risk')!;
    const breached = timers.find((t) => t.kind === 'sla_breached')!;
    // The breach is handled first (the at_risk timer made due later than it, as if delayed).
    await admin.query(`update workflow_timers set due_at = due_at + interval '1 hour' where id = $1`, [atRisk.id]);
    const clock = fakeClock(new Date(breached.due_at.getTime() + 1000));
    const { worker } = timerWorker(app.db, clock);
    await worker.runOnce();
    assert.equal((await stateOf(record.id)).sla_status, 'breached');
    clock.now = new Date(breached.due_at.getTime() + 2 * HOUR);
    await worker.runOnce();
    assert.equal((await stateOf(record.id)).sla_status, 'breached');
    assert.equal((await timersOf(record.id)).find((t) => t.id === atRisk.id)?.status, 'skipped');
    assert.equal((await admin.events(owner.tenantId, 'record.sla_at_risk', record.id)).length, 0);
  });

  test('SLA under business hours across a weekend and a DST change, in the organisation\'s time zone', async () => {
    const org = await signup(app);
    const zone = await app.request({ method: 'PATCH', url: '/api/tenants/atual/settings', token: org.token, body: { time_zone: 'Europe/Berlin' } });
    assert.equal(zone.statusCode, 200, zone.body);
    await defineType(app, org.token, { key: 'case', label: 'Case', fields: [{ key: 'title', type: 'text' }] });
    const flow = {
      key: 'case-flow',
      entity_type: 'case',
      initial: 'new',
      states: [
        { key: 'new', category: 'new' },
        { key: 'triaged', category: 'active', sla: { within: '4h', calendar: 'business-hours' } },
        { key: 'closed', category: 'closed', final: true },
      ],
      transitions: [
        { key: 'triage', from: ['new'], to: 'triaged' },
        { key: 'close', from: ['triaged'], to: 'closed' },
      ],
    };
    assert.equal((await app.request({ method: 'POST', url: '/api/workflows', token: org.token, body: flow })).statusCode, 201);
    assert.equal((await app.request({ method: 'POST', url: '/api/workflows/case-flow/publish', token: org.token })).statusCode, 200);
    const record = await createRecord(app, org, 'case', { title: 'weekend' });

    // Triaged on Friday 27 March 2026 at 16:00 in Berlin (CET, UTC+1); clocks go forward on Sunday the 29th.
    const friday = new Date('2026-03-27T15:00:00Z');
    const performed = await transitionsOn(app.db, () => friday).perform(ownerCall(org), 'case', record.id, 'triage', {});
    assert.equal(performed.outcome, 'performed');
    const triaged = await stateOf(record.id);
    // 2 h on Friday (16:00-18:00 CET), 2 h on Monday from 09:00 CEST (UTC+2): due 11:00 CEST = 09:00 UTC.
    assert.equal(triaged.sla_due_at?.toISOString(), '2026-03-30T09:00:00.000Z');
    // At risk after 80 %: 3 h 12 min of working time, Monday 10:12 CEST.
    assert.equal(triaged.sla_at_risk_at?.toISOString(), '2026-03-30T08:12:00.000Z');
    const due = await app.request({ method: 'GET', url: '/api/business-calendars/business-hours/due?within=4h&start=2026-03-27T15:00:00Z', token: org.token });
    assert.equal(due.json().due_at, '2026-03-30T09:00:00.000Z', 'the due endpoint agrees');

    const clock = fakeClock(new Date('2026-03-30T07:00:00Z')); // Monday 09:00 CEST: a whole weekend later, still ok
    const { worker } = timerWorker(app.db, clock);
    await worker.runOnce();
    assert.equal((await stateOf(record.id)).sla_status, 'ok');
    clock.now = new Date('2026-03-30T08:12:01Z');
    await worker.runOnce();
    assert.equal((await stateOf(record.id)).sla_status, 'at_risk');
    clock.now = new Date('2026-03-30T09:00:01Z');
    await worker.runOnce();
    assert.equal((await stateOf(record.id)).sla_status, 'breached');
  });

  test('a failing timer is retried with a backoff, then given up; the rest of the batch still fires', async () => {
    const broken = await createRecord(app, owner, 'ticket', { title: 'broken timer', priority: 'low' });
    const healthy = await createRecord(app, owner, 'ticket', { title: 'healthy', priority: 'low' });
    await transition(app, owner, 'ticket', healthy.id, 'schedule');
    // An event timer without its event type cannot act: every attempt fails.
    const start = new Date(Date.now() + 10 * HOUR);
    const { rows } = await admin.query<{ id: string }>(
      `insert into workflow_timers (tenant_id, id, record_id, kind, event_type, state, state_entered_at, due_at)
       select tenant_id, gen_random_uuid(), id, 'event', null, state, state_entered_at, $2::timestamptz - interval '2 hours' from records where id = $1
       returning id`,
      [broken.id, start.toISOString()],
    );
    const brokenId = rows[0]!.id;
    const clock = fakeClock(start);
    const { worker, seen } = timerWorker(app.db, clock, { maxAttempts: 3 });
    await worker.runOnce();
    assert.equal(seen.find((s) => s.timerId === brokenId)?.outcome, 'retry');
    assert.equal((await admin.events(owner.tenantId, 'ticket.reminder', healthy.id)).length, 1, 'the batch went on');
    const after1 = (await admin.query<TimerRow>(`select * from workflow_timers where id = $1`, [brokenId])).rows[0]!;
    assert.equal(after1.status, 'pending');
    assert.equal(after1.attempts, 1);
    assert.ok(after1.last_error);
    assert.equal(after1.due_at.getTime(), start.getTime() + 10_000, 'first retry after 10 s');

    await worker.runOnce();
    assert.equal(seen.filter((s) => s.timerId === brokenId).length, 1, 'not due again before the backoff');
    for (let attempt = 2; attempt <= 3; attempt += 1) {
      clock.now = new Date(clock.now.getTime() + HOUR);
      await worker.runOnce();
    }
    const last = (await admin.query<TimerRow>(`select * from workflow_timers where id = $1`, [brokenId])).rows[0]!;
    assert.equal(last.status, 'skipped');
    assert.equal(last.attempts, 3);
    assert.deepEqual(seen.filter((s) => s.timerId === brokenId).map((s) => s.outcome), ['retry', 'retry', 'skipped']);
  });

  test('timers of a restricted type fire too (the system sees every record)', async () => {
    const org = await signup(app);
    await publishWorkflow(app, org, TICKET, TICKET_FLOW);
    const restricted = await app.request({ method: 'PUT', url: '/api/entity-types/ticket/permissions', token: org.token, body: { visibility: 'restricted' } });
    assert.equal(restricted.statusCode, 200, restricted.body);
    const record = await createRecord(app, org, 'ticket', { title: 'private', priority: 'low' });
    await transition(app, org, 'ticket', record.id, 'park');
    const clock = fakeClock(new Date(Date.now() + 4 * HOUR + 60_000));
    await timerWorker(app.db, clock).worker.runOnce();
    const wake = (await timersOf(record.id)).find((timer) => timer.kind === 'transition')!;
    assert.equal(wake.status, 'fired', `${wake.status} after ${wake.attempts} attempt(s): ${wake.last_error ?? ''}`);
    assert.equal((await stateOf(record.id)).state, 'open', 'the timeout performed its transition');
  });
});
