// In-app notifications (written by workflow `notify` effects): each member
// reads their own, newest first, pages through them, filters the unread, and
// marks one read. Another member's or organisation's notification is 404;
// API keys are not members and have none.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/platform/ids.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, type SignedUp } from '../helpers/test-app.ts';
import { AdminDb, addMember, createApiKey } from '../members/helpers.ts';
import { startWorkflowApp, type WorkflowApp } from '../workflows/workflow-app.ts';

describe('notifications', () => {
  let app: WorkflowApp;
  let admin: AdminDb;

  before(async () => {
    app = await startWorkflowApp();
    admin = await AdminDb.connect(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  /** Notifications for a member, oldest first (as a notify effect writes them). */
  async function notify(member: { tenantId: string; userId: string }, titles: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const title of titles) {
      const id = newId();
      await admin.query(`insert into notifications (tenant_id, id, user_id, title, body) values ($1, $2, $3, $4, $5)`, [member.tenantId, id, member.userId, title, `about ${title}`]);
      ids.push(id);
    }
    return ids;
  }

  const list = (token: string, query = '') => app.request({ method: 'GET', url: `/api/notifications${query}`, token });

  test('a member reads their own, newest first, a page at a time, and marks one read', async () => {
    const owner: SignedUp = await signup(app);
    const member = await addMember(app, owner, 'cliente');
    const ids = await notify(member, ['one', 'two', 'three']);
    await notify(owner, ['for the owner']);

    const all = await list(member.token);
    assert.equal(all.statusCode, 200, all.body);
    assert.deepEqual(all.json().data.map((n: { title: string }) => n.title), ['three', 'two', 'one']);
    assert.deepEqual(all.json().data[0], { id: ids[2], record: null, title: 'three', body: 'about three', created_at: all.json().data[0].created_at, read_at: null });
    assert.equal(all.json().next_cursor, null);

    const first = (await list(member.token, '?limit=2')).json();
    assert.deepEqual(first.data.map((n: { title: string }) => n.title), ['three', 'two']);
    const second = (await list(member.token, `?limit=2&cursor=${first.next_cursor}`)).json();
    assert.deepEqual(second.data.map((n: { title: string }) => n.title), ['one']);
    assert.equal(second.next_cursor, null);

    const read = await app.request({ method: 'POST', url: `/api/notifications/${ids[1]}/read`, token: member.token });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(typeof read.json().read_at, 'string');
    const again = await app.request({ method: 'POST', url: `/api/notifications/${ids[1]}/read`, token: member.token });
    assert.equal(again.json().read_at, read.json().read_at, 'marking again keeps the first read_at');
    const unread = (await list(member.token, '?unread=true')).json();
    assert.deepEqual(unread.data.map((n: { title: string }) => n.title), ['three', 'one']);
  });

  test("another member's or organisation's notification is 404; API keys are refused", async () => {
    const owner = await signup(app);
    const member = await addMember(app, owner, 'cliente');
    const [mine] = await notify(member, ['private']);
    assertProblem(await app.request({ method: 'POST', url: `/api/notifications/${mine}/read`, token: owner.token }), 404, 'not-found');
    const stranger = await signup(app);
    assertProblem(await app.request({ method: 'POST', url: `/api/notifications/${mine}/read`, token: stranger.token }), 404, 'not-found');
    assert.deepEqual((await list(owner.token)).json().data, []);
    assert.deepEqual((await list(stranger.token)).json().data, []);
    const unread = await admin.query<{ read_at: Date | null }>(`select read_at from notifications where id = $1`, [mine]);
    assert.equal(unread.rows[0]?.read_at, null);
    const key = await createApiKey(app, owner);
    assert.equal((await list(key)).statusCode, 403);
    assertProblem(await list(member.token, '?cursor=nope'), 422, 'validation-failed');
  });
});
