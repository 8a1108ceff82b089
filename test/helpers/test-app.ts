// The real application on a throwaway database, driven through inject().
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type BuildOptions, type BuiltApp } from '../../src/app.ts';
import { generateSigningKeyPem } from '../../src/auth/index.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface TestApp extends BuiltApp {
  database: TestDatabase;
  config: Config;
  /** JSON request through inject(); `token` becomes the bearer token. */
  request(options: {
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
    url: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  stop(): Promise<void>;
}

const SIGNING_KEY = generateSigningKeyPem();

export async function startTestApp(env: Record<string, string> = {}, options: BuildOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-test-data-'));
  const config = loadConfig({
    TESSERA_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TESSERA_JWT_PRIVATE_KEY: SIGNING_KEY,
    TESSERA_API_KEY_SECRET: 'test-api-key-secret-0123456789abcdef',
    TESSERA_LOGIN_RATE_LIMIT: '1000',
    TESSERA_SIGNUP_RATE_LIMIT: '1000',
    // The outbox dispatcher and the webhook sender are exercised by their own
    // tests (test/events, test/webhooks); elsewhere they would only add
    // background statements to what tests count.
    TESSERA_DISPATCHER: 'false',
    TESSERA_WEBHOOK_WORKER: 'false',
    ...env,
  });
  const built = await buildApp(config, { appUrl: database.appUrl, operatorUrl: database.operatorUrl }, options);
  await built.app.ready();
  return {
    ...built,
    database,
    config,
    request: ({ method, url, token, body, headers = {} }) =>
      built.app.inject({
        method,
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      }),
    stop: async () => {
      await built.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

export interface SignedUp {
  tenantId: string;
  userId: string;
  slug: string;
  email: string;
  senha: string;
  token: string;
  refreshToken: string;
}

/** Signs up a fresh organisation and returns its owner's session. */
export async function signup(app: TestApp, overrides: Record<string, unknown> = {}): Promise<SignedUp> {
  counter += 1;
  const slug = `org-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const body = { slug, nome: `Org ${counter}`, plano: 'pro', email: `owner${counter}@${slug}.example`, senha: 'correct horse battery', ...overrides };
  const response = await app.request({ method: 'POST', url: '/api/signup', body });
  if (response.statusCode !== 201) throw new Error(`signup failed: ${response.statusCode} ${response.body}`);
  const json = response.json();
  return {
    tenantId: json.tenant.id,
    userId: json.user.id,
    slug: String(body.slug),
    email: String(body.email),
    senha: String(body.senha),
    token: json.token,
    refreshToken: json.refresh_token,
  };
}
