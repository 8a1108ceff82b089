import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createOpaqueToken } from '../../src/auth/index.ts';
import { newId } from '../../src/platform/ids.ts';
import { signup, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { adminQuery, assertProblem } from './support.ts';

describe('refresh tokens', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.stop();
  });

  const refresh = (refreshToken: string) => app.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: refreshToken } });
  const logout = (refreshToken: string) => app.request({ method: 'POST', url: '/api/auth/logout', body: { refresh_token: refreshToken } });
  const current = (token: string) => app.request({ method: 'GET', url: '/api/tenants/atual', token });

  test('rotation answers a new pair; the old access token keeps working until it expires', async () => {
    const owner = await signup(app);
    const response = await refresh(owner.refreshToken);
    assert.equal(response.statusCode, 200, response.body);
    const session = response.json();
    assert.deepEqual(Object.keys(session).sort(), ['expires_in', 'refresh_token', 'token', 'token_type']);
    assert.equal(session.token_type, 'Bearer');
    assert.equal(session.expires_in, app.config.accessTokenTtlSeconds);
    assert.notEqual(session.token, owner.token);
    assert.notEqual(session.refresh_token, owner.refreshToken);
    assert.match(session.refresh_token, /^tsr_/);
    assert.equal((await current(session.token)).statusCode, 200);
    assert.equal((await current(owner.token)).statusCode, 200);

    // The chain goes on: the new refresh token rotates too.
    const next = await refresh(session.refresh_token);
    assert.equal(next.statusCode, 200, next.body);
    const rows = await adminQuery<{ family_id: string; rotated: boolean }>(
      app,
      `select family_id, rotated_at is not null as rotated from refresh_tokens where tenant_id = $1 order by created_at, id`,
      [owner.tenantId],
    );
    assert.equal(rows.length, 3);
    assert.equal(new Set(rows.map((row) => row.family_id)).size, 1);
    assert.deepEqual(rows.map((row) => row.rotated), [true, true, false]);
  });

  test('reusing a rotated refresh token revokes the whole family', async () => {
    const owner = await signup(app);
    const first = (await refresh(owner.refreshToken)).json();
    const second = (await refresh(first.refresh_token)).json();
    assert.ok(second.refresh_token);

    const reused = await refresh(owner.refreshToken);
    assertProblem(reused, 401, 'refresh-token-reused');
    // The newest token of the family, never used, is now dead too.
    assertProblem(await refresh(second.refresh_token), 401, 'invalid-refresh-token');
    assertProblem(await refresh(first.refresh_token), 401, 'invalid-refresh-token');
    const audit = await adminQuery(app, `select actor_type, actor_id from audit_log where tenant_id = $1 and action = 'auth.refresh_token_reused'`, [
      owner.tenantId,
    ]);
    assert.deepEqual(audit, [{ actor_type: 'user', actor_id: owner.userId }]);

    // Other sessions of the same member (other families) are not affected.
    const login = await app.request({ method: 'POST', url: '/api/auth/login', body: { email: owner.email, senha: owner.senha } });
    assert.equal((await refresh(login.json().refresh_token)).statusCode, 200);
  });

  test('garbled refresh tokens are 401 invalid-refresh-token, never 500', async () => {
    const owner = await signup(app);
    const [, body] = owner.refreshToken.split('_') as [string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const garbled = [
      'garbage',
      'tsr_',
      'tsr_garbage',
      `tsr_${body.slice(0, -1)}`,
      `${owner.refreshToken}A`,
      `tsk_${body}`,
      owner.refreshToken.toUpperCase(),
      `tsr_${flip(body, 70)}`, // the secret part
      `tsr_${flip(body, 30)}`, // the row id part
      `tsr_${flip(body, 3)}`, // the organisation part
      `tsr_${body.slice(0, -1)}${body.at(-1) === 'A' ? 'B' : 'A'}`, // a non-canonical last character
      `tsr_${body.slice(0, 80)}!!!!!!`,
      // Well-formed: an unknown organisation; a known organisation and an unknown row.
      createOpaqueToken('tsr', newId(), newId()).token,
      createOpaqueToken('tsr', owner.tenantId, newId()).token,
    ];
    // Random base64url of the right length; a few have valid UUIDs by chance.
    for (let i = 0; i < 40; i++) garbled.push(`tsr_${randomBytes(64).toString('base64url')}`);
    for (const token of garbled) {
      assertProblem(await refresh(token), 401, 'invalid-refresh-token');
    }
    // The real token was not disturbed by any of that.
    assert.equal((await refresh(owner.refreshToken)).statusCode, 200);
  });

  test('a refresh token that is too long or not a string is 422', async () => {
    assertProblem(await refresh('x'.repeat(201)), 422, 'validation-failed');
    assertProblem(await refresh(''), 422, 'validation-failed');
    assertProblem(await app.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: 42 } }), 422, 'validation-failed');
    assertProblem(await app.request({ method: 'POST', url: '/api/auth/refresh', body: {} }), 422, 'validation-failed');
  });

  test('logout revokes the family: refreshing afterwards fails', async () => {
    const owner = await signup(app);
    const rotated = (await refresh(owner.refreshToken)).json();
    const response = await logout(rotated.refresh_token);
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
    assertProblem(await refresh(rotated.refresh_token), 401, 'invalid-refresh-token');
    // The rotated ancestor does not count as reuse once the family is revoked.
    assertProblem(await refresh(owner.refreshToken), 401, 'invalid-refresh-token');
    const audit = await adminQuery(app, `select count(*)::int as n from audit_log where tenant_id = $1 and action = 'auth.logout'`, [owner.tenantId]);
    assert.deepEqual(audit, [{ n: 1 }]);
    // Logging out twice is fine.
    assert.equal((await logout(rotated.refresh_token)).statusCode, 204);
  });

  test('logout with garbage is still 204', async () => {
    const owner = await signup(app);
    for (const token of [
      'garbage',
      'tsr_garbage',
      `tsr_${randomBytes(64).toString('base64url')}`,
      createOpaqueToken('tsr', newId(), newId()).token,
      createOpaqueToken('tsr', owner.tenantId, newId()).token,
    ]) {
      const response = await logout(token);
      assert.equal(response.statusCode, 204, `${token}: ${response.body}`);
    }
    assert.equal((await refresh(owner.refreshToken)).statusCode, 200);
  });
});
