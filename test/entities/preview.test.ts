// Previewing a change to an entity type, and the guard that refuses narrowing
// changes existing records violate (issue #4, "Versioned, zero-downtime
// change"), on a real database through the API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { addMember } from '../members/helpers.ts';
import { defineType } from '../helpers/entities.ts';

const TICKET = {
  key: 'ticket',
  label: 'Ticket',
  fields: [
    { key: 'title', type: 'text', max_length: 200 },
    { key: 'priority', type: 'enum', values: ['low', 'normal', 'high'] },
    { key: 'code', type: 'text' },
  ],
};

describe('entity type change preview and narrowing guard', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.stop();
  });

  /** An organisation with the ticket type and three records; two share a code, one has no priority. */
  async function ticketOrganisation(): Promise<{ owner: SignedUp; ids: string[] }> {
    const owner = await signup(app);
    await defineType(app, owner.token, TICKET);
    const ids: string[] = [];
    for (const body of [
      { title: 'Printer on fire', priority: 'high', code: 'A' },
      { title: 'A long complaint about the coffee', priority: 'low', code: 'A' },
      { title: 'No priority yet', code: 'B' },
    ]) {
      const response = await app.request({ method: 'POST', url: '/api/records/ticket', token: owner.token, body });
      assert.equal(response.statusCode, 201, response.body);
      ids.push(response.json().id);
    }
    return { owner, ids };
  }

  function preview(token: string, body: unknown) {
    return app.request({ method: 'POST', url: '/api/entity-types/ticket/preview', token, body });
  }

  const NARROWING = {
    fields: [
      { key: 'title', type: 'text', max_length: 20 },
      { key: 'priority', type: 'enum', values: ['normal', 'high'], required: true },
      { key: 'code', type: 'text' },
    ],
  };

  test('a narrowing change reports the failing records with their errors, is not safe, and changes nothing', async () => {
    const { owner, ids } = await ticketOrganisation();
    const response = await preview(owner.token, NARROWING);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.current_version, 1);
    assert.equal(body.safe, false);
    assert.equal(body.unsafe_reasons.length, 1);
    assert.deepEqual(body.records.total, 3);
    assert.equal(body.records.failing, 2);
    assert.equal(body.records.capped, false);
    assert.deepEqual(
      body.records.examples.map((example: { id: string }) => example.id).sort(),
      [ids[1], ids[2]].sort(),
    );
    const byId = new Map(body.records.examples.map((example: { id: string; errors: unknown }) => [example.id, example.errors]));
    assert.deepEqual(
      (byId.get(ids[1]) as { pointer: string }[]).map((error) => error.pointer).sort(),
      ['/priority', '/title'],
    );
    assert.deepEqual(byId.get(ids[2]), [{ pointer: '/priority', message: 'is required' }]);
    assert.deepEqual(body.diff.fields.changed.map((item: { key: string }) => item.key), ['title', 'priority']);
    assert.deepEqual(body.unique_conflicts, []);

    const type = await app.request({ method: 'GET', url: '/api/entity-types/ticket', token: owner.token });
    assert.equal(type.json().version, 1);
    assert.deepEqual(type.json().fields, TICKET.fields);
    const record = await app.request({ method: 'GET', url: `/api/records/ticket/${ids[1]}`, token: owner.token });
    assert.equal(record.json().priority, 'low');
  });

  test('a widening change is safe and reads no record; add_field previews POST /fields', async () => {
    const { owner } = await ticketOrganisation();
    const widening = await preview(owner.token, {
      label: 'Support ticket',
      fields: [
        { key: 'title', type: 'text', max_length: 500, indexed: true },
        { key: 'priority', type: 'enum', values: ['low', 'normal', 'high', 'urgent'] },
        { key: 'code', type: 'text' },
      ],
    });
    assert.equal(widening.statusCode, 200, widening.body);
    const body = widening.json();
    assert.equal(body.safe, true);
    assert.deepEqual(body.unsafe_reasons, []);
    assert.deepEqual(body.records, { scanned: false, total: 0, failing: 0, capped: false, examples: [] });
    assert.deepEqual(body.indexes, { build: ['title'], drop: [] });

    const required = await preview(owner.token, { add_field: { key: 'owner_email', type: 'email', required: true } });
    assert.equal(required.statusCode, 200, required.body);
    assert.equal(required.json().safe, false);
    assert.equal(required.json().records.failing, 3);

    const badField = await preview(owner.token, { add_field: { key: 'x', type: 'nope' } });
    const problem = assertProblem(badField, 422, 'validation-failed');
    assert.ok((problem.errors as { pointer: string }[]).some((error) => error.pointer === '/add_field/type'), badField.body);
  });

  test('PATCH of a narrowing change is 409 with the counts; on_invalid=accept applies it and reports the records', async () => {
    const { owner, ids } = await ticketOrganisation();
    const refused = await app.request({ method: 'PATCH', url: '/api/entity-types/ticket', token: owner.token, body: NARROWING });
    const problem = assertProblem(refused, 409, 'change-breaks-records');
    assert.equal((problem.records as { failing: number }).failing, 2);
    assert.equal((problem.records as { examples: unknown[] }).examples.length, 2);
    assert.equal((await app.request({ method: 'GET', url: '/api/entity-types/ticket', token: owner.token })).json().version, 1);

    const field = await app.request({ method: 'POST', url: '/api/entity-types/ticket/fields', token: owner.token, body: { key: 'due', type: 'date', required: true } });
    assert.equal((assertProblem(field, 409, 'change-breaks-records').records as { failing: number }).failing, 3);

    const accepted = await app.request({ method: 'PATCH', url: '/api/entity-types/ticket?on_invalid=accept', token: owner.token, body: NARROWING });
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().version, 2);
    assert.equal(accepted.json().invalid_records.count, 2);
    assert.deepEqual(accepted.json().invalid_records.examples.map((example: { id: string }) => example.id).sort(), [ids[1], ids[2]].sort());
    // The records keep their data.
    const stored = await app.request({ method: 'GET', url: `/api/records/ticket/${ids[1]}`, token: owner.token });
    assert.equal(stored.json().priority, 'low');

    // A widening change answers no invalid_records.
    const relabel = await app.request({ method: 'PATCH', url: '/api/entity-types/ticket', token: owner.token, body: { label: 'Tickets' } });
    assert.equal(relabel.statusCode, 200, relabel.body);
    assert.equal(relabel.json().invalid_records, undefined);
  });

  test('a field made unique whose values repeat: preview lists the conflicts, PATCH is 409 even with accept', async () => {
    const { owner } = await ticketOrganisation();
    const unique = { fields: [TICKET.fields[0], TICKET.fields[1], { key: 'code', type: 'text', unique: true }] };
    const response = await preview(owner.token, unique);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().safe, false);
    assert.deepEqual(response.json().unique_conflicts, [{ field: 'code', value: 'A', count: 2 }]);
    assert.deepEqual(response.json().indexes, { build: ['code'], drop: [] });
    assert.equal(response.json().records.failing, 0);

    for (const url of ['/api/entity-types/ticket', '/api/entity-types/ticket?on_invalid=accept']) {
      const refused = await app.request({ method: 'PATCH', url, token: owner.token, body: unique });
      const problem = assertProblem(refused, 409, 'change-breaks-records');
      assert.deepEqual(problem.unique_conflicts, [{ field: 'code', value: 'A', count: 2 }]);
    }
  });

  test('only gestores preview; another organisation\'s type is 404', async () => {
    const { owner } = await ticketOrganisation();
    const cliente = await addMember(app, owner, 'cliente');
    const gestor = await addMember(app, owner, 'gestor');
    assert.equal((await preview(cliente.token, { label: 'x' })).statusCode, 403);
    assert.equal((await preview(gestor.token, { label: 'x' })).statusCode, 200);
    const other = await signup(app);
    assertProblem(await preview(other.token, { label: 'x' }), 404, 'not-found');
  });
});
