// Composition root: builds the HTTP application from the capabilities. Every
// dependency is created here and passed down; capabilities never reach for
// globals, so tests build the same app against their own database.
import { randomBytes } from 'node:crypto';
import { ApiKeysService, apiKeysRoutes } from './api-keys/index.ts';
import { AuthHooks, AuthService, authRoutes, resolveSigningKey, SessionIssuer, TokenSigner } from './auth/index.ts';
import type { Config } from './config.ts';
import { EntityTypesService, entityTypesRoutes } from './entities/index.ts';
import { healthRoutes } from './health/health.routes.ts';
import { MembersService, membersRoutes } from './members/index.ts';
import { OperatorsService, operatorsRoutes } from './operators/index.ts';
import { PermissionsService, permissionsRoutes } from './permissions/index.ts';
import { Database } from './platform/db/database.ts';
import { createHttpServer, type App } from './platform/http/server.ts';
import { loadOrCreateSecretFile } from './platform/secrets.ts';
import { RateLimiter } from './platform/rate-limit.ts';
import { RecordsService, recordsRoutes } from './records/index.ts';
import { TeamsService, teamsRoutes } from './teams/index.ts';
import { MemberSchema, TenancyService, tenancyRoutes, TenantSchema } from './tenancy/index.ts';

export interface AppDatabaseUrls {
  appUrl: string;
  operatorUrl: string;
}

export interface BuiltApp {
  app: App;
  db: Database;
  /** Flushes buffered API key usage and closes pools. The HTTP server is closed by app.close(). */
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Where logs go instead of stdout (tests read them). */
  logStream?: NodeJS.WritableStream;
}

export async function buildApp(config: Config, urls: AppDatabaseUrls, options: BuildOptions = {}): Promise<BuiltApp> {
  const app = await createHttpServer({
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  const db = new Database({
    appUrl: urls.appUrl,
    operatorUrl: urls.operatorUrl,
    poolSize: config.dbPoolSize,
    onPoolError: (error) => app.log.error({ err: error }, 'idle database connection failed'),
  });

  const signer = await TokenSigner.create({
    privateKeyPem: await resolveSigningKey(config.jwtPrivateKeyPem, config.dataDir),
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ttlSeconds: config.accessTokenTtlSeconds,
  });
  const apiKeySecret =
    config.apiKeySecret ?? (await loadOrCreateSecretFile(config.dataDir, 'api-key-secret', () => randomBytes(32).toString('base64url')));

  const rateLimiter = new RateLimiter(db.global);
  const sessions = new SessionIssuer(signer, config.refreshTokenTtlSeconds);
  const apiKeys = new ApiKeysService(db, { hmacSecret: apiKeySecret, logger: app.log });
  const auth = new AuthHooks(signer, apiKeys);

  app.addSchema(TenantSchema);
  app.addSchema(MemberSchema);
  await app.register(healthRoutes(db));
  await app.register(authRoutes(new AuthService(db, sessions, rateLimiter, { perMinute: config.loginRateLimitPerMinute })));
  await app.register(tenancyRoutes(new TenancyService(db, sessions, rateLimiter, config.signupRateLimitPerHour), auth));
  await app.register(membersRoutes(new MembersService(db, sessions, rateLimiter), auth));
  await app.register(apiKeysRoutes(apiKeys, auth));
  await app.register(entityTypesRoutes(new EntityTypesService(db), auth));
  await app.register(recordsRoutes(new RecordsService(db), auth));
  await app.register(teamsRoutes(new TeamsService(db), auth));
  await app.register(permissionsRoutes(new PermissionsService(db), auth));
  await app.register(operatorsRoutes(new OperatorsService(db, signer, rateLimiter, { perMinute: config.loginRateLimitPerMinute }), auth));

  app.addHook('onClose', async () => {
    await apiKeys.close();
    await db.close();
  });
  return {
    app,
    db,
    close: () => app.close().then(() => undefined),
  };
}
