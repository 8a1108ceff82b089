// API key usage is buffered in memory and written in batches (every minute,
// and when the server shuts down). These tests make the write happen by
// shutting the app down, then read it back through a second app started on
// the same database, as a restarted server would.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { buildApp, type BuiltApp } from '../../src/app.ts';
import { signup, startTestApp } from '../helpers/test-app.ts';
import { assertProblem } from '../auth/support.ts';

describe('API key usage', () => {
  test('usage is counted per day and IP, shown in the listing, and kept after revocation', async () => {
    const first = await startTestApp();
    let second: BuiltApp | undefined;
    try {
      const owner = await signup(first);
      const created = await first.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: 'metered', escopo: 'read-only' } });
      assert.equal(created.statusCode, 201, created.body);
      const key = created.json();
      const idle = (await first.request({ method: 'POST', url: '/api/tenants/atual/api-keys', token: owner.token, body: { nome: 'idle', escopo: 'read-only' } })).json();

      const use = (remoteAddress: string) =>
        first.app.inject({ method: 'GET', url: '/api/tenants/atual', headers: { authorization: `Bearer ${key.secret}` }, remoteAddress });
      for (const ip of ['198.51.100.7', '198.51.100.7', '203.0.113.9', '198.51.100.7', '203.0.113.9']) {
        assert.equal((await use(ip)).statusCode, 200);
      }

      await first.close();
      second = await buildApp(first.config, { appUrl: first.database.appUrl, operatorUrl: first.database.operatorUrl });
      const app = second.app;
      const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${owner.token}` } });

      const usage = await get(`/api/tenants/atual/api-keys/${key.id}/usage`);
      assert.equal(usage.statusCode, 200, usage.body);
      const rows = usage.json().data as { day: string; ip: string; request_count: number; last_seen_at: string }[];
      assert.deepEqual(
        rows.map(({ ip, request_count }) => ({ ip, request_count })),
        [
          { ip: '198.51.100.7', request_count: 3 },
          { ip: '203.0.113.9', request_count: 2 },
        ],
      );
      for (const row of rows) {
        assert.match(row.day, /^\d{4}-\d{2}-\d{2}$/);
        assert.equal(row.day, row.last_seen_at.slice(0, 10), 'days are UTC days');
      }

      const listed = (await get('/api/tenants/atual/api-keys')).json().data as { id: string; last_used_at: string | null; last_used_ip: string | null }[];
      const metered = listed.find((entry) => entry.id === key.id);
      assert.equal(metered?.last_used_ip, '203.0.113.9');
      assert.equal(metered?.last_used_at, rows.map((row) => row.last_seen_at).sort().at(-1));
      const unused = listed.find((entry) => entry.id === idle.id);
      assert.equal(unused?.last_used_at, null);
      assert.equal(unused?.last_used_ip, null);
      assert.deepEqual((await get(`/api/tenants/atual/api-keys/${idle.id}/usage`)).json(), { data: [] });

      const revoked = await app.inject({ method: 'POST', url: `/api/tenants/atual/api-keys/${key.id}/revogar`, headers: { authorization: `Bearer ${owner.token}` } });
      assert.equal(revoked.statusCode, 200, revoked.body);
      assertProblem(await app.inject({ method: 'GET', url: '/api/tenants/atual', headers: { authorization: `Bearer ${key.secret}` } }), 401, 'api-key-revoked');

      const after = await get(`/api/tenants/atual/api-keys/${key.id}/usage`);
      assert.equal(after.statusCode, 200, after.body);
      assert.deepEqual(after.json().data, rows);
      const stillListed = (await get('/api/tenants/atual/api-keys')).json().data.find((entry: { id: string }) => entry.id === key.id);
      assert.equal(stillListed.status, 'revoked');
      assert.equal(stillListed.last_used_ip, '203.0.113.9');
    } finally {
      await second?.close();
      await first.database.drop();
      await rm(first.config.dataDir, { recursive: true, force: true });
    }
  });
});
