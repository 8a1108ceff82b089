// Configuration comes only from environment variables. Each is parsed here,
// once, into a typed value; a bad value stops the process with a message that
// names the variable. The README's configuration table mirrors CONFIG_VARIABLES.
import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  /** Owner/admin connection: runs migrations. Unset means "start an embedded PostgreSQL". */
  databaseUrl: string | null;
  /** Runtime connection (role tessera_app). Derived from databaseUrl when unset. */
  databaseAppUrl: string | null;
  /** Operator connection (role tessera_operator). Derived from databaseUrl when unset. */
  databaseOperatorUrl: string | null;
  dataDir: string;
  embeddedPgPort: number;
  dbPoolSize: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  jwtPrivateKeyPem: string | null;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  apiKeySecret: string | null;
  bodyLimitBytes: number;
  trustProxy: boolean;
  loginRateLimitPerMinute: number;
  signupRateLimitPerHour: number;
  migrateOnStart: boolean;
  /** Index entries of a type change (and a listing's backfill) are built in the request for at most this many records; 0: always in the background. */
  indexRequestBuildMax: number;
  /** Run the background index build worker in this process. */
  indexBuildWorker: boolean;
  /** The worker's sleep between polls of an empty queue, milliseconds. */
  indexBuildPollMs: number;
  /** Records per batch (and per transaction) of a background build. */
  indexBuildBatch: number;
  /** External workflow guards may call loopback and private network addresses (docs/workflows.md, "External guards"). */
  guardPrivateAddresses: boolean;
  /** Run the workflow timer worker (timeouts, SLA marks) in this process. */
  timerWorker: boolean;
  /** The timer worker's sleep between polls, milliseconds. */
  timerPollMs: number;
  /** Due timers taken per poll. */
  timerBatch: number;
  /** NATS server(s) to publish events to JetStream (docs/events.md); null: no NATS. */
  natsUrl: string | null;
  /** Run the outbox dispatcher in this process (`tessera worker` runs it on its own). */
  dispatcher: boolean;
  /** The dispatcher's poll interval when no notification woke it, milliseconds. */
  dispatcherPollMs: number;
  /** Events per claim, and organisations per poll. */
  dispatcherBatch: number;
  /** Webhook endpoints may use http and loopback or private addresses (docs/events.md, "Webhooks"). */
  webhooksAllowPrivate: boolean;
  /** Run the webhook delivery worker in this process. */
  webhookWorker: boolean;
  /** The webhook delivery worker's sleep between polls, milliseconds. */
  webhookPollMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATABASE_APP_URL',
  'DATABASE_OPERATOR_URL',
  'TESSERA_DATA_DIR',
  'TESSERA_EMBEDDED_PG_PORT',
  'TESSERA_DB_POOL_SIZE',
  'LOG_LEVEL',
  'TESSERA_JWT_PRIVATE_KEY',
  'TESSERA_JWT_ISSUER',
  'TESSERA_JWT_AUDIENCE',
  'TESSERA_ACCESS_TOKEN_TTL',
  'TESSERA_REFRESH_TOKEN_TTL',
  'TESSERA_API_KEY_SECRET',
  'TESSERA_BODY_LIMIT',
  'TESSERA_TRUST_PROXY',
  'TESSERA_LOGIN_RATE_LIMIT',
  'TESSERA_SIGNUP_RATE_LIMIT',
  'TESSERA_MIGRATE_ON_START',
  'TESSERA_INDEX_REQUEST_BUILD_MAX',
  'TESSERA_INDEX_BUILD_WORKER',
  'TESSERA_INDEX_BUILD_POLL_MS',
  'TESSERA_INDEX_BUILD_BATCH',
  'TESSERA_TIMER_WORKER',
  'TESSERA_TIMER_POLL_MS',
  'TESSERA_TIMER_BATCH',
  'TESSERA_WEBHOOKS_ALLOW_PRIVATE',
  'TESSERA_WEBHOOK_WORKER',
  'TESSERA_WEBHOOK_POLL_MS',
  'NATS_URL',
  'TESSERA_DISPATCHER',
  'TESSERA_DISPATCHER_POLL_MS',
  'TESSERA_DISPATCHER_BATCH',
] as const;

function nonEmpty(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `expected a number from ${min} to ${max}, got ${value}`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env, name);
  if (raw === null) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function postgresUrl(env: Env, name: string): string | null {
  const raw = nonEmpty(env, name);
  if (raw === null) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL (expected postgres://user@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `expected a postgres:// URL, got protocol "${url.protocol}"`);
  }
  return raw;
}

/** One NATS URL or a comma-separated list of them (a cluster's seeds). */
function natsUrls(env: Env, name: string): string | null {
  const raw = nonEmpty(env, name);
  if (raw === null) return null;
  for (const part of raw.split(',')) {
    let url: URL;
    try {
      url = new URL(part.trim());
    } catch {
      throw new ConfigError(name, `"${part.trim()}" is not a valid URL (expected nats://host:port)`);
    }
    if (url.protocol !== 'nats:' && url.protocol !== 'tls:') {
      throw new ConfigError(name, `expected nats:// or tls:// URLs, got protocol "${url.protocol}"`);
    }
  }
  return raw
    .split(',')
    .map((part) => part.trim())
    .join(',');
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = nonEmpty(env, name);
  if (raw === null) return fallback;
  const found = allowed.find((candidate) => candidate === raw);
  if (found === undefined) throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  return found;
}

export function loadConfig(env: Env = process.env): Config {
  const jwtKey = nonEmpty(env, 'TESSERA_JWT_PRIVATE_KEY');
  if (jwtKey !== null && !jwtKey.includes('BEGIN PRIVATE KEY')) {
    throw new ConfigError('TESSERA_JWT_PRIVATE_KEY', 'expected an Ed25519 private key in PKCS#8 PEM form');
  }
  const apiKeySecret = nonEmpty(env, 'TESSERA_API_KEY_SECRET');
  if (apiKeySecret !== null && apiKeySecret.length < 32) {
    throw new ConfigError('TESSERA_API_KEY_SECRET', 'must be at least 32 characters of random data');
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: nonEmpty(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: postgresUrl(env, 'DATABASE_URL'),
    databaseAppUrl: postgresUrl(env, 'DATABASE_APP_URL'),
    databaseOperatorUrl: postgresUrl(env, 'DATABASE_OPERATOR_URL'),
    dataDir: path.resolve(nonEmpty(env, 'TESSERA_DATA_DIR') ?? '.tessera'),
    embeddedPgPort: integer(env, 'TESSERA_EMBEDDED_PG_PORT', 54329, 1, 65535),
    dbPoolSize: integer(env, 'TESSERA_DB_POOL_SIZE', 4, 1, 200),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    jwtPrivateKeyPem: jwtKey,
    jwtIssuer: nonEmpty(env, 'TESSERA_JWT_ISSUER') ?? 'tessera',
    jwtAudience: nonEmpty(env, 'TESSERA_JWT_AUDIENCE') ?? 'tessera-api',
    accessTokenTtlSeconds: integer(env, 'TESSERA_ACCESS_TOKEN_TTL', 900, 30, 86_400),
    refreshTokenTtlSeconds: integer(env, 'TESSERA_REFRESH_TOKEN_TTL', 30 * 86_400, 300, 365 * 86_400),
    apiKeySecret,
    bodyLimitBytes: integer(env, 'TESSERA_BODY_LIMIT', 1_048_576, 1024, 100 * 1_048_576),
    trustProxy: flag(env, 'TESSERA_TRUST_PROXY', false),
    loginRateLimitPerMinute: integer(env, 'TESSERA_LOGIN_RATE_LIMIT', 10, 1, 100_000),
    signupRateLimitPerHour: integer(env, 'TESSERA_SIGNUP_RATE_LIMIT', 20, 1, 100_000),
    migrateOnStart: flag(env, 'TESSERA_MIGRATE_ON_START', true),
    indexRequestBuildMax: integer(env, 'TESSERA_INDEX_REQUEST_BUILD_MAX', 1000, 0, 1_000_000),
    indexBuildWorker: flag(env, 'TESSERA_INDEX_BUILD_WORKER', true),
    indexBuildPollMs: integer(env, 'TESSERA_INDEX_BUILD_POLL_MS', 5000, 10, 3_600_000),
    indexBuildBatch: integer(env, 'TESSERA_INDEX_BUILD_BATCH', 1000, 1, 10_000),
    guardPrivateAddresses: flag(env, 'TESSERA_GUARD_PRIVATE_ADDRESSES', false),
    timerWorker: flag(env, 'TESSERA_TIMER_WORKER', true),
    timerPollMs: integer(env, 'TESSERA_TIMER_POLL_MS', 1000, 10, 3_600_000),
    // workflow_timers_due() answers at most 500 a call.
    timerBatch: integer(env, 'TESSERA_TIMER_BATCH', 100, 1, 500),
    natsUrl: natsUrls(env, 'NATS_URL'),
    dispatcher: flag(env, 'TESSERA_DISPATCHER', true),
    dispatcherPollMs: integer(env, 'TESSERA_DISPATCHER_POLL_MS', 1000, 10, 3_600_000),
    // outbox_pending_tenants() answers at most 500 organisations a call.
    dispatcherBatch: integer(env, 'TESSERA_DISPATCHER_BATCH', 100, 1, 500),
    webhooksAllowPrivate: flag(env, 'TESSERA_WEBHOOKS_ALLOW_PRIVATE', false),
    webhookWorker: flag(env, 'TESSERA_WEBHOOK_WORKER', true),
    webhookPollMs: integer(env, 'TESSERA_WEBHOOK_POLL_MS', 1000, 10, 3_600_000),
  };
}
