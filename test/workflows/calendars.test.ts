// Business calendars through the API: built-ins, create/replace/delete with
// audit entries and events, every body problem with a JSON Pointer, roles and
// API keys, another organisation's calendar, deletion refused while a
// workflow uses it, and the due-date endpoint across a weekend and a DST change.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember, createApiKey } from '../members/helpers.ts';

const BERLIN = {
  name: 'Berlin office',
  time_zone: 'Europe/Berlin',
  working_hours: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] },
  holidays: ['2026-12-25'],
};

describe('workflows: business calendars', () => {
  let app: TestApp;
  let admin: AdminDb;
  let owner: SignedUp;

  before(async () => {
    app = await startTestApp({ TESSERA_TIMER_WORKER: 'false', TESSERA_INDEX_BUILD_WORKER: 'false' });
    admin = await AdminDb.connect(app);
    owner = await signup(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  const put = (token: string, key: string, body: unknown) => app.request({ method: 'PUT', url: `/api/business-calendars/${key}`, token, body });
  const get = (token: string, url: string) => app.request({ method: 'GET', url, token });

  test('the built-ins are listed (and readable) without any row', async () => {
    const org = await signup(app);
    const listed = await get(org.token, '/api/business-calendars');
    assert.equal(listed.statusCode, 200, listed.body);
    const data = listed.json().data as { key: string; built_in: boolean; effective_time_zone: string; time_zone: string | null; working_hours: Record<string, unknown> }[];
    assert.deepEqual(data.map((c) => c.key), ['24x7', 'business-hours']);
    assert.ok(data.every((c) => c.built_in && c.time_zone === null && c.effective_time_zone === 'America/Sao_Paulo'));
    const hours = await get(org.token, '/api/business-calendars/business-hours');
    assert.equal(hours.statusCode, 200, hours.body);
    assert.deepEqual(hours.json().working_hours, { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] });
    assert.equal(Object.keys(data[0]!.working_hours).length, 7);
    assertProblem(await get(org.token, '/api/business-calendars/nope'), 404, 'not-found');
  });

  test('PUT creates (201) then replaces (200), with audit entries and events', async () => {
    const created = await put(owner.token, 'berlin', BERLIN);
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json();
    assert.equal(body.key, 'berlin');
    assert.equal(body.built_in, false);
    assert.equal(body.effective_time_zone, 'Europe/Berlin');
    assert.deepEqual(body.holidays, ['2026-12-25']);
    const replaced = await put(owner.token, 'berlin', { ...BERLIN, time_zone: null, holidays: ['2026-12-26', '2026-12-25', '2026-12-25'] });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.equal(replaced.json().time_zone, null);
    assert.equal(replaced.json().effective_time_zone, 'America/Sao_Paulo');
    assert.deepEqual(replaced.json().holidays, ['2026-12-25', '2026-12-26'], 'sorted, without repeats');
    const got = await get(owner.token, '/api/business-calendars/berlin');
    assert.deepEqual(got.json(), replaced.json());

    const createdAudit = await admin.audit(owner.tenantId, 'business_calendar.created', 'berlin');
    assert.equal(createdAudit.length, 1);
    assert.equal(createdAudit[0]!.actor_id, owner.userId);
    const updated = await admin.audit(owner.tenantId, 'business_calendar.updated', 'berlin');
    assert.equal(updated.length, 1);
    assert.equal(updated[0]!.before?.time_zone, 'Europe/Berlin');
    assert.equal(updated[0]!.after?.time_zone, null);
    assert.equal((await admin.events(owner.tenantId, 'business_calendar.updated', 'berlin')).length, 1);

    const listed = (await get(owner.token, '/api/business-calendars')).json().data as { key: string }[];
    assert.deepEqual(listed.map((c) => c.key), ['24x7', 'berlin', 'business-hours']);
  });

  test('every problem of the body is reported with a JSON Pointer', async () => {
    const response = await put(owner.token, 'bad', {
      name: '',
      time_zone: 'Mars/Olympus',
      colour: 'blue',
      working_hours: { mon: [['18:00', '09:00']], tue: [['09:00', '12:00'], ['11:00', '13:00']], wed: [['9:00', '25:00']], funday: [] },
      holidays: ['2026-02-30', 'soon'],
    });
    const problem = assertProblem(response, 422, 'validation-failed');
    const pointers = (problem.errors as { pointer: string }[]).map((e) => e.pointer).sort();
    assert.deepEqual(pointers, [
      '/colour',
      '/holidays/0',
      '/holidays/1',
      '/name',
      '/time_zone',
      '/working_hours/funday',
      '/working_hours/mon/0',
      '/working_hours/tue/1',
      '/working_hours/wed/0/0',
      '/working_hours/wed/0/1',
    ]);
    assertProblem(await put(owner.token, 'bad', { holidays: [] }), 422, 'validation-failed');
    assertProblem(await put(owner.token, 'Bad_Key', BERLIN), 422, 'validation-failed');
    assertProblem(await get(owner.token, '/api/business-calendars/bad'), 404, 'not-found');
  });

  test('a built-in may be overridden; deleting the override restores it; the built-in itself cannot be deleted', async () => {
    const org = await signup(app);
    const override = await put(org.token, 'business-hours', { working_hours: { mon: [['08:00', '12:00']] } });
    assert.equal(override.statusCode, 201, override.body);
    const listed = (await get(org.token, '/api/business-calendars')).json().data as { key: string; built_in: boolean }[];
    assert.deepEqual(listed.map((c) => [c.key, c.built_in]), [['24x7', true], ['business-hours', false]]);
    const removed = await app.request({ method: 'DELETE', url: '/api/business-calendars/business-hours', token: org.token });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal((await get(org.token, '/api/business-calendars/business-hours')).json().built_in, true);
    assertProblem(await app.request({ method: 'DELETE', url: '/api/business-calendars/business-hours', token: org.token }), 409, 'calendar-built-in');
    assertProblem(await app.request({ method: 'DELETE', url: '/api/business-calendars/24x7', token: org.token }), 409, 'calendar-built-in');
    assertProblem(await app.request({ method: 'DELETE', url: '/api/business-calendars/missing', token: org.token }), 404, 'not-found');
    const audit = await admin.audit(org.tenantId, 'business_calendar.deleted', 'business-hours');
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]!.before?.working_hours, { mon: [['08:00', '12:00']] });
  });

  test('members and reading API keys read; only gestores change', async () => {
    const org = await signup(app);
    assert.equal((await put(org.token, 'desk', BERLIN)).statusCode, 201);
    const cliente = await addMember(app, org, 'cliente');
    assert.equal((await get(cliente.token, '/api/business-calendars/desk')).statusCode, 200);
    assertProblem(await put(cliente.token, 'desk', BERLIN), 403, 'role-required');
    assertProblem(await app.request({ method: 'DELETE', url: '/api/business-calendars/desk', token: cliente.token }), 403, 'role-required');
    const key = await createApiKey(app, org);
    assert.equal((await get(key, '/api/business-calendars')).statusCode, 200);
    assert.equal((await get(key, '/api/business-calendars/desk/due?within=1h&start=2026-03-27T08:00:00Z')).statusCode, 200);
    assertProblem(await put(key, 'desk', BERLIN), 403, 'scope-not-allowed');
    assertProblem(await app.request({ method: 'GET', url: '/api/business-calendars' }), 401, 'unauthenticated');
  });

  test("another organisation's calendar answers 404 and is left alone", async () => {
    const mine = await signup(app);
    const theirs = await signup(app);
    assert.equal((await put(theirs.token, 'private-desk', BERLIN)).statusCode, 201);
    assertProblem(await get(mine.token, '/api/business-calendars/private-desk'), 404, 'not-found');
    assertProblem(await get(mine.token, '/api/business-calendars/private-desk/due?within=1h'), 404, 'not-found');
    assertProblem(await app.request({ method: 'DELETE', url: '/api/business-calendars/private-desk', token: mine.token }), 404, 'not-found');
    // Same key in my organisation: mine, not theirs.
    assert.equal((await put(mine.token, 'private-desk', { working_hours: { sat: [['10:00', '11:00']] } })).statusCode, 201);
    assert.equal((await get(theirs.token, '/api/business-calendars/private-desk')).json().name, 'Berlin office');
  });

  test('due: working time across a weekend, a DST change, and round the clock', async () => {
    const org = await signup(app);
    assert.equal((await put(org.token, 'berlin', BERLIN)).statusCode, 201);
    const due = async (key: string, query: string) => {
      const response = await get(org.token, `/api/business-calendars/${key}/due?${query}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { due_at: string; time_zone: string; start: string; within: string };
    };
    // Friday 2026-03-27 16:00 in São Paulo (UTC-3, no DST since 2019): 2 h left on Friday, 2 h on Monday → Monday 11:00 local.
    assert.equal((await due('business-hours', 'start=2026-03-27T19:00:00Z&within=4h')).due_at, '2026-03-30T14:00:00.000Z');
    // Friday 16:00 CET in Berlin; clocks go forward on Sunday 29 March: Monday 11:00 CEST is 09:00 UTC.
    const berlin = await due('berlin', 'start=2026-03-27T15:00:00Z&within=4h');
    assert.equal(berlin.due_at, '2026-03-30T09:00:00.000Z');
    assert.equal(berlin.time_zone, 'Europe/Berlin');
    // Fall back on Sunday 25 October 2026: Friday 17:00 CEST + 2 h → Monday 10:00 CET = 09:00 UTC.
    assert.equal((await due('berlin', 'start=2026-10-23T15:00:00Z&within=2h')).due_at, '2026-10-26T09:00:00.000Z');
    // A holiday has no working time: Thursday 24 December 17:00 + 2 h → Monday 28 December 10:00 (Friday 25 is a holiday).
    assert.equal((await due('berlin', 'start=2026-12-24T16:00:00Z&within=2h')).due_at, '2026-12-28T09:00:00.000Z');
    // 24x7 is elapsed time, even across the change.
    assert.equal((await due('24x7', 'start=2026-03-28T23:00:00Z&within=1d')).due_at, '2026-03-29T23:00:00.000Z');
    const now = await due('24x7', 'within=1h');
    assert.ok(Math.abs(Date.parse(now.start) - Date.now()) < 60_000, 'start defaults to now');

    const bad = assertProblem(await get(org.token, '/api/business-calendars/24x7/due?within=soon'), 422, 'validation-failed');
    assert.deepEqual((bad.errors as { pointer: string }[]).map((e) => e.pointer), ['/within']);
    assertProblem(await get(org.token, '/api/business-calendars/24x7/due'), 422, 'validation-failed');
    assertProblem(await get(org.token, '/api/business-calendars/24x7/due?within=1h&start=yesterday'), 422, 'validation-failed');
  });

  test('a calendar a published workflow uses cannot be deleted; one no workflow uses can', async () => {
    const org = await signup(app);
    await defineType(app, org.token, { key: 'ticket', label: 'Ticket', fields: [{ key: 'title', type: 'text' }] });
    assert.equal((await put(org.token, 'desk', BERLIN)).statusCode, 201);
    assert.equal((await put(org.token, 'spare', BERLIN)).statusCode, 201);
    const workflow = {
      key: 'ticket-flow',
      entity_type: 'ticket',
      initial: 'open',
      states: [
        { key: 'open', category: 'new', sla: { within: '4h', calendar: 'desk' } },
        { key: 'done', category: 'closed', final: true },
      ],
      transitions: [{ key: 'finish', from: ['open'], to: 'done' }],
    };
    const created = await app.request({ method: 'POST', url: '/api/workflows', token: org.token, body: workflow });
    assert.equal(created.statusCode, 201, created.body);
    const published = await app.request({ method: 'POST', url: '/api/workflows/ticket-flow/publish', token: org.token });
    assert.equal(published.statusCode, 200, published.body);

    const refused = assertProblem(await app.request({ method: 'DELETE', url: '/api/business-calendars/desk', token: org.token }), 409, 'calendar-in-use');
    assert.deepEqual(refused.workflows, [{ key: 'ticket-flow', version: 1, pointers: ['/states/0/sla/calendar'] }]);
    assert.equal((await get(org.token, '/api/business-calendars/desk')).statusCode, 200, 'still there');
    assert.equal((await app.request({ method: 'DELETE', url: '/api/business-calendars/spare', token: org.token })).statusCode, 204);
  });
});
