import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { generateSigningKeyPem, TokenSigner } from '../../src/auth/index.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { assertProblem, base64urlJson, decodeJwt } from './support.ts';

describe('access tokens', () => {
  let app: TestApp;
  let owner: SignedUp;
  before(async () => {
    app = await startTestApp();
    owner = await signup(app);
  });
  after(async () => {
    await app.stop();
  });

  const current = (authorization: string | undefined) =>
    app.request({ method: 'GET', url: '/api/tenants/atual', headers: authorization === undefined ? {} : { authorization } });

  /** A signer with the server's own key, overriding some options. */
  const serverSigner = (options: { issuer?: string; audience?: string; ttlSeconds?: number } = {}) =>
    TokenSigner.create({
      privateKeyPem: app.config.jwtPrivateKeyPem as string,
      issuer: app.config.jwtIssuer,
      audience: app.config.jwtAudience,
      ttlSeconds: app.config.accessTokenTtlSeconds,
      ...options,
    });

  const memberClaims = () => ({ sub: owner.userId, tenant_id: owner.tenantId, role: 'gestor' as const });

  test('the access token is an EdDSA JWT with the member claims', async () => {
    const { header, payload } = decodeJwt(owner.token);
    assert.equal(header.alg, 'EdDSA');
    assert.equal(header.typ, 'JWT');
    assert.equal(typeof header.kid, 'string');
    assert.equal(payload.sub, owner.userId);
    assert.equal(payload.tenant_id, owner.tenantId);
    assert.equal(payload.role, 'gestor');
    assert.equal(payload.iss, app.config.jwtIssuer);
    assert.equal(payload.aud, app.config.jwtAudience);
    assert.equal(typeof payload.iat, 'number');
    // iat and exp are each read from the clock; they may straddle a second.
    const lifetime = (payload.exp as number) - (payload.iat as number);
    assert.ok(lifetime === app.config.accessTokenTtlSeconds || lifetime === app.config.accessTokenTtlSeconds + 1, String(lifetime));
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    assert.notEqual(decodeJwt(owner.token).payload.jti, decodeJwt((await signup(app)).token).payload.jti);
    assert.equal((await current(`Bearer ${owner.token}`)).statusCode, 200);
    // The scheme name is case-insensitive (RFC 9110).
    assert.equal((await current(`bearer ${owner.token}`)).statusCode, 200);
  });

  test('a tampered payload is invalid-token', async () => {
    const other = await signup(app);
    const { signature } = decodeJwt(owner.token);
    const [header] = owner.token.split('.');
    const payload = { ...decodeJwt(owner.token).payload, tenant_id: other.tenantId };
    assertProblem(await current(`Bearer ${header}.${base64urlJson(payload)}.${signature}`), 401, 'invalid-token');
    const cliente = { ...decodeJwt(owner.token).payload, role: 'cliente' };
    assertProblem(await current(`Bearer ${header}.${base64urlJson(cliente)}.${signature}`), 401, 'invalid-token');
    // A flipped signature character.
    const flipped = owner.token.slice(0, -2) + (owner.token.at(-2) === 'A' ? 'B' : 'A') + owner.token.at(-1);
    assertProblem(await current(`Bearer ${flipped}`), 401, 'invalid-token');
  });

  test('a token signed by another Ed25519 key is invalid-token', async () => {
    const stranger = await TokenSigner.create({
      privateKeyPem: generateSigningKeyPem(),
      issuer: app.config.jwtIssuer,
      audience: app.config.jwtAudience,
      ttlSeconds: 900,
    });
    assertProblem(await current(`Bearer ${await stranger.signMember(memberClaims())}`), 401, 'invalid-token');
  });

  test('alg none is invalid-token', async () => {
    const { payload } = decodeJwt(owner.token);
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${base64urlJson({ alg, typ: 'JWT' })}.${base64urlJson(payload)}.`;
      assertProblem(await current(`Bearer ${unsigned}`), 401, 'invalid-token');
    }
  });

  test('an HS256 token (even keyed with the server public key) is invalid-token', async () => {
    const publicPem = createPublicKey(createPrivateKey(app.config.jwtPrivateKeyPem as string)).export({ type: 'spki', format: 'pem' });
    for (const secret of [Buffer.from(publicPem), Buffer.from('a shared secret that nobody configured')]) {
      const token = await new SignJWT({ tenant_id: owner.tenantId, role: 'gestor' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(owner.userId)
        .setIssuer(app.config.jwtIssuer)
        .setAudience(app.config.jwtAudience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(secret);
      assertProblem(await current(`Bearer ${token}`), 401, 'invalid-token');
    }
  });

  test('a wrong audience or issuer is invalid-token; an operator token is not a member token', async () => {
    const wrongAudience = await serverSigner({ audience: 'someone-else' });
    assertProblem(await current(`Bearer ${await wrongAudience.signMember(memberClaims())}`), 401, 'invalid-token');
    const wrongIssuer = await serverSigner({ issuer: 'https://evil.example' });
    assertProblem(await current(`Bearer ${await wrongIssuer.signMember(memberClaims())}`), 401, 'invalid-token');
    const operator = await (await serverSigner()).signOperator({ sub: owner.userId, role: 'admin' });
    assertProblem(await current(`Bearer ${operator}`), 401, 'invalid-token');
  });

  test('a validly signed token with missing or malformed claims is invalid-token', async () => {
    const key = createPrivateKey(app.config.jwtPrivateKeyPem as string);
    const sign = (claims: Record<string, unknown>, jti: boolean = true) => {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
        .setSubject(owner.userId)
        .setIssuer(app.config.jwtIssuer)
        .setAudience(app.config.jwtAudience)
        .setIssuedAt()
        .setExpirationTime('5m');
      return (jti ? jwt.setJti(randomUUID()) : jwt).sign(key);
    };
    for (const token of [
      await sign({ tenant_id: owner.tenantId, role: 'admin' }),
      await sign({ tenant_id: 'not-a-uuid', role: 'gestor' }),
      await sign({ role: 'gestor' }),
      await sign({ tenant_id: owner.tenantId, role: 'gestor' }, false),
    ]) {
      assertProblem(await current(`Bearer ${token}`), 401, 'invalid-token');
    }
  });

  test('an expired token is token-expired', async () => {
    const key = createPrivateKey(app.config.jwtPrivateKeyPem as string);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ tenant_id: owner.tenantId, role: 'gestor' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setSubject(owner.userId)
      .setIssuer(app.config.jwtIssuer)
      .setAudience(app.config.jwtAudience)
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 60)
      .setJti(randomUUID())
      .sign(key);
    const problem = assertProblem(await current(`Bearer ${expired}`), 401, 'token-expired');
    assert.match(String(problem.detail), /expired/i);
    // Expired and signed by someone else: the signature is checked first.
    const stranger = createPrivateKey(generateSigningKeyPem());
    const forged = await new SignJWT({ tenant_id: owner.tenantId, role: 'gestor' })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject(owner.userId)
      .setIssuer(app.config.jwtIssuer)
      .setAudience(app.config.jwtAudience)
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 60)
      .setJti(randomUUID())
      .sign(stranger);
    assertProblem(await current(`Bearer ${forged}`), 401, 'invalid-token');
  });

  test('garbage credentials are 401 with the matching problem type', async () => {
    assertProblem(await current(undefined), 401, 'unauthenticated');
    assertProblem(await current('Bearer abc'), 401, 'invalid-token');
    assertProblem(await current('Bearer a.b.c'), 401, 'invalid-token');
    assertProblem(await current(`Bearer ${owner.token} extra`), 401, 'invalid-token');
    assertProblem(await current('Bearer'), 401, 'unauthenticated');
    assertProblem(await current('Bearer '), 401, 'unauthenticated');
    assertProblem(await current('Basic xxx'), 401, 'unauthenticated');
    assertProblem(await current(`Basic ${Buffer.from(`${owner.email}:${owner.senha}`).toString('base64')}`), 401, 'unauthenticated');
    assertProblem(await current(owner.token), 401, 'unauthenticated');
    assertProblem(await current(''), 401, 'unauthenticated');
    // The refresh token is not an access token.
    assertProblem(await current(`Bearer ${owner.refreshToken}`), 401, 'invalid-token');
  });

  test('authentication is checked before the body: a bad token with a bad body is still 401', async () => {
    const response = await app.request({ method: 'PATCH', url: '/api/tenants/atual', token: 'abc', body: { nonsense: true } });
    assertProblem(response, 401, 'invalid-token');
  });
});
