// External guards (issue #6, "Guards"): an HTTP POST to a configured URL,
// signed per Standard Webhooks with the organisation's guard key, with a
// timeout and a cached answer. Against a local server: allow, deny with a
// reason, a server that never answers, errors and bad bodies are clear
// refusals; the signature verifies with the secret the API gives; a cached
// answer is not fetched again; guards are not asked when another guard
// already fails. No timing assertions: the timeout case only checks the reason.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { assertProblem } from '../helpers/problem.ts';
import { signup, type SignedUp } from '../helpers/test-app.ts';
import { defineType } from '../helpers/entities.ts';
import { createApiKey } from '../members/helpers.ts';
import { startWorkflowApp, type WorkflowApp } from './workflow-app.ts';
import { available, create, perform, publish } from './transition-fixtures.ts';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

const LOAN = { key: 'loan', label: 'Loan', fields: [{ key: 'amount', type: 'integer' }] };

function loanFlow(base: string) {
  const to = (key: string, guards: unknown[], input?: unknown[]) => ({ key, from: ['draft'], to: 'decided', guards, ...(input ? { input } : {}) });
  return {
    key: 'loan-flow',
    entity_type: 'loan',
    initial: 'draft',
    states: [
      { key: 'draft', category: 'new' },
      { key: 'decided', category: 'closed', final: true },
    ],
    transitions: [
      to('approve', [{ external: { url: `${base}/allow`, cache_seconds: 60 } }], [{ key: 'note', type: 'text' }]),
      to('reject', [{ external: { url: `${base}/deny` } }]),
      to('escalate', [{ external: { url: `${base}/hang`, timeout_ms: 200 } }]),
      to('audit', [{ external: { url: `${base}/error` } }]),
      to('parse', [{ external: { url: `${base}/garbage` } }]),
      to('clientes_only', [{ role: ['cliente'] }, { external: { url: `${base}/allow` } }]),
    ],
  };
}

describe('external guards', () => {
  let app: WorkflowApp;
  let server: Server;
  let base: string;
  let owner: SignedUp;
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];

  before(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const headers = Object.fromEntries(Object.entries(request.headers).map(([key, value]) => [key, String(value)]));
        received.push({ path: request.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
        const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        switch (request.url) {
          case '/allow':
            return json(200, { allow: true });
          case '/deny':
            return json(200, { allow: false, reason: 'credit score too low' });
          case '/hang':
            hanging.push(response);
            return undefined;
          case '/error':
            return json(503, { allow: true });
          default:
            return response.writeHead(200, { 'content-type': 'text/plain' }).end('yes please');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app = await startWorkflowApp();
    owner = await signup(app);
    await defineType(app, owner.token, LOAN);
    await publish(app, owner.token, loanFlow(base));
  });
  after(async () => {
    for (const response of hanging) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.stop();
  });

  const calls = (path: string) => received.filter((call) => call.path === path);

  test('an allowing guard lets the transition through; the call is signed and says what is asked', async () => {
    const loan = await create(app, owner.token, 'loan', { amount: 1000 });
    const before = calls('/allow').length;
    const done = await perform(app, owner.token, 'loan', loan.id, 'approve', { input: { note: 'fine' } });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().record.state, 'decided');
    const sent = calls('/allow').slice(before);
    assert.equal(sent.length, 1);
    const call = sent[0] as Received;
    assert.deepEqual(JSON.parse(call.body), {
      record: { id: loan.id, type: 'loan', version: loan.version, state: 'draft' },
      transition: 'approve',
      input: { note: 'fine' },
      actor: { type: 'user', id: owner.userId },
    });
    // Verifiable with the organisation's secret, and with no other organisation's.
    const secret = await app.request({ method: 'GET', url: '/api/workflow-guards/secret', token: owner.token });
    assert.equal(secret.statusCode, 200, secret.body);
    assert.match(secret.json().secret, /^whsec_/);
    const verified = new Webhook(secret.json().secret).verify(call.body, call.headers);
    assert.equal((verified as { transition: string }).transition, 'approve');
    const other = await signup(app);
    const otherSecret = (await app.request({ method: 'GET', url: '/api/workflow-guards/secret', token: other.token })).json().secret;
    assert.notEqual(otherSecret, secret.json().secret);
    assert.throws(() => new Webhook(otherSecret).verify(call.body, call.headers));
    const history = (await app.request({ method: 'GET', url: `/api/records/loan/${loan.id}/history`, token: owner.token })).json();
    assert.deepEqual(history.data.at(-1).guards, [{ index: 0, kind: 'external', passed: true }]);
  });

  test('a denying guard refuses with its reason; a hanging, failing or garbled one is a refusal that says why', async () => {
    const loan = await create(app, owner.token, 'loan', { amount: 5 });
    const denied = assertProblem(await perform(app, owner.token, 'loan', loan.id, 'reject'), 422, 'transition-guard-failed');
    assert.match((denied.guards as { reason: string }[])[0]?.reason ?? '', /credit score too low/);
    const hung = assertProblem(await perform(app, owner.token, 'loan', loan.id, 'escalate'), 422, 'transition-guard-failed');
    assert.match((hung.guards as { reason: string }[])[0]?.reason ?? '', /did not answer within 200 ms/);
    const failed = assertProblem(await perform(app, owner.token, 'loan', loan.id, 'audit'), 422, 'transition-guard-failed');
    assert.match((failed.guards as { reason: string }[])[0]?.reason ?? '', /HTTP 503/);
    const garbled = assertProblem(await perform(app, owner.token, 'loan', loan.id, 'parse'), 422, 'transition-guard-failed');
    assert.match((garbled.guards as { reason: string }[])[0]?.reason ?? '', /not JSON/);
    const read = (await app.request({ method: 'GET', url: `/api/records/loan/${loan.id}`, token: owner.token })).json();
    assert.equal(read.state, 'draft');
    assert.equal(read.version, loan.version);
  });

  test('the listing asks too; a cached answer is not fetched again for the same record version', async () => {
    const loan = await create(app, owner.token, 'loan', { amount: 7 });
    const before = calls('/allow').length;
    const listed = await available(app, owner.token, 'loan', loan.id);
    assert.equal(listed.statusCode, 200, listed.body);
    const byKey = new Map((listed.json().transitions as { key: string; allowed: boolean; guards: { reason?: string }[] }[]).map((entry) => [entry.key, entry]));
    assert.equal(byKey.get('approve')?.allowed, true);
    assert.equal(byKey.get('reject')?.allowed, false);
    assert.match(byKey.get('reject')?.guards[0]?.reason ?? '', /credit score too low/);
    assert.equal(calls('/allow').length, before + 1);
    await available(app, owner.token, 'loan', loan.id);
    assert.equal(calls('/allow').length, before + 1, 'the second listing used the cached answer');
    // Performing with the same (empty) input on the same version: cached too.
    const done = await perform(app, owner.token, 'loan', loan.id, 'approve', { input: {} });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(calls('/allow').length, before + 1);
  });

  test('external guards are not asked when another guard already fails', async () => {
    const loan = await create(app, owner.token, 'loan', { amount: 9 });
    const before = received.length;
    const refused = assertProblem(await perform(app, owner.token, 'loan', loan.id, 'clientes_only'), 422, 'transition-guard-failed');
    assert.deepEqual((refused.guards as { passed: boolean }[]).map((guard) => guard.passed), [false, false]);
    assert.match((refused.guards as { reason: string }[])[1]?.reason ?? '', /not evaluated/);
    assert.equal(received.length, before);
    // API keys act too: the actor they send is the key.
    const key = await createApiKey(app, owner);
    const asKey = await perform(app, key, 'loan', loan.id, 'approve', { input: { note: 'by key' } });
    assert.equal(asKey.statusCode, 200, asKey.body);
    assert.equal(JSON.parse(received.at(-1)?.body ?? '{}').actor.type, 'api_key');
  });
});
