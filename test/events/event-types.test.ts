// GET /api/events/types on a bare server with the real auth hooks (the route is
// wired into src/app.ts by the coordinator), and the catalogue against the code:
// every event type the sources write must be listed.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { AuthHooks, generateSigningKeyPem, TokenSigner } from '../../src/auth/index.ts';
import { EVENT_CATALOGUE } from '../../src/events/catalogue.ts';
import { eventTypesRoutes } from '../../src/events/event-types.routes.ts';
import { createHttpServer, type App } from '../../src/platform/http/server.ts';

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('event catalogue', () => {
  let app: App;
  let signer: TokenSigner;

  before(async () => {
    signer = await TokenSigner.create({ privateKeyPem: generateSigningKeyPem(), issuer: 'tessera', audience: 'tessera-api', ttlSeconds: 300 });
    const noKeys = {
      recognises: () => false,
      authenticate: () => Promise.reject(new Error('no API keys here')),
    };
    app = await createHttpServer({ logLevel: 'silent', bodyLimitBytes: 1_048_576, trustProxy: false });
    await app.register(eventTypesRoutes(new AuthHooks(signer, noKeys)));
    await app.ready();
  });
  after(async () => {
    await app.close();
  });

  test('any member reads the types with a JSON Schema each; no token is 401', async () => {
    const token = await signer.signMember({ sub: randomUUID(), tenant_id: randomUUID(), role: 'cliente' });
    const response = await app.inject({ method: 'GET', url: '/api/events/types', headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<{ envelope: { properties: Record<string, unknown> }; data: { type: string; subject_type: string; payload: { type?: string; anyOf?: unknown } }[] }>();
    assert.deepEqual(Object.keys(body.envelope.properties).sort(), ['data', 'id', 'occurred_at', 'subject', 'tenant_id', 'type']);
    const created = body.data.find((entry) => entry.type === 'record.created');
    assert.equal(created?.subject_type, 'record');
    assert.equal(created?.payload.type, 'object');
    assert.ok(body.data.some((entry) => entry.type === 'tenant.created'));
    const anonymous = await app.inject({ method: 'GET', url: '/api/events/types' });
    assert.equal(anonymous.statusCode, 401);
  });

  test('lists every event type written by emitEvent/queueEvents with a literal type', async () => {
    const listed = new Set(EVENT_CATALOGUE.map((entry) => entry.type));
    const missing: string[] = [];
    for (const file of await sources(path.resolve('src'))) {
      const text = await readFile(file, 'utf8');
      if (!/emitEvent|queueEvents/.test(text)) continue;
      // `type: 'x.y'` inside the event objects, and the action constants they reuse.
      for (const match of text.matchAll(/type: '([a-z_]+\.[a-z_.]+)'|action: '([a-z_]+\.[a-z_.]+)' }/g)) {
        const type = match[1] ?? match[2];
        if (type && !listed.has(type)) missing.push(`${type} (${path.relative('.', file)})`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test('type names are unique', () => {
    const types = EVENT_CATALOGUE.map((entry) => entry.type);
    assert.equal(new Set(types).size, types.length);
  });
});
