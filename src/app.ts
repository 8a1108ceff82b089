// Composition root: builds the HTTP application from the capabilities. Every
// dependency is created here and passed down; capabilities never reach for
// globals, so tests build the same app against their own database.
import { randomBytes } from 'node:crypto';
import { ApiKeysService, apiKeysRoutes } from './api-keys/index.ts';
import { AuditService, auditRoutes } from './audit/index.ts';
import { AuthHooks, AuthService, authRoutes, resolveSigningKey, SessionIssuer, TokenSigner } from './auth/index.ts';
import type { Config } from './config.ts';
import { EntityTypesService, entityTypesRoutes, IndexBuildWorker } from './entities/index.ts';
import { createEventDispatch } from './events/dispatcher/index.ts';
import { eventTypesRoutes } from './events/event-types.routes.ts';
import { healthRoutes } from './health/health.routes.ts';
import { MembersService, membersRoutes } from './members/index.ts';
import { NotificationsService, notificationsRoutes } from './notifications/index.ts';
import { OperatorsService, operatorsRoutes } from './operators/index.ts';
import { PermissionsService, permissionsRoutes } from './permissions/index.ts';
import { Database } from './platform/db/database.ts';
import { QueryService, queryRoutes, SavedQueriesService, savedQueriesRoutes } from './query/index.ts';
import { createHttpServer, type App } from './platform/http/server.ts';
import { loadOrCreateSecretFile } from './platform/secrets.ts';
import { RateLimiter } from './platform/rate-limit.ts';
import { RecordsService, recordsRoutes } from './records/index.ts';
import { setRequestBackfillMax } from './records/index-entries.ts';
import { TeamsService, teamsRoutes } from './teams/index.ts';
import { MemberSchema, TenancyService, tenancyRoutes, TenantSchema } from './tenancy/index.ts';
import {
  CalendarsService,
  calendarsRoutes,
  HistoryService,
  TimerWorker,
  TransitionsService,
  transitionsRoutes,
  WorkflowsService,
  workflowsRoutes,
} from './workflows/index.ts';
import { DeliveryWorker, WebhookSink, WebhooksService, webhooksRoutes } from './webhooks/index.ts';

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

  // The server's Ed25519 key: it signs access tokens and audit checkpoints.
  const signingKeyPem = await resolveSigningKey(config.jwtPrivateKeyPem, config.dataDir);
  const signer = await TokenSigner.create({
    privateKeyPem: signingKeyPem,
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
  // Background index builds (docs/entities.md, "Index builds"): changes wake the worker when they queue one.
  const indexBuilds = new IndexBuildWorker(db, { pollMs: config.indexBuildPollMs, batch: config.indexBuildBatch }, app.log.child({ component: 'index-builds' }));
  setRequestBackfillMax(config.indexRequestBuildMax);
  const entityTypes = new EntityTypesService(db, { requestBuildMax: config.indexRequestBuildMax, onBuildsQueued: () => indexBuilds.wake() });
  await app.register(entityTypesRoutes(entityTypes, auth));
  // One records service (and so one per-type state cache) for records, transitions and history.
  const records = new RecordsService(db);
  await app.register(recordsRoutes(records, auth));
  await app.register(teamsRoutes(new TeamsService(db), auth));
  await app.register(permissionsRoutes(new PermissionsService(db), auth));
  // Query cursors are signed with a key derived from the API key secret (shared by every process).
  const queries = new QueryService(db, { secret: apiKeySecret, logger: app.log });
  await app.register(queryRoutes(queries, auth));
  await app.register(savedQueriesRoutes(new SavedQueriesService(db, queries), auth));
  // Workflows (docs/workflows.md): definitions, business calendars, transitions and history, notifications, timers.
  await app.register(workflowsRoutes(new WorkflowsService(db), auth));
  await app.register(calendarsRoutes(new CalendarsService(db), auth));
  // External guard calls are signed with keys derived from the API key secret (shared by every process).
  const transitions = new TransitionsService(db, records, { secret: apiKeySecret, allowPrivateGuardAddresses: config.guardPrivateAddresses });
  await app.register(transitionsRoutes(transitions, new HistoryService(db, records), auth));
  await app.register(notificationsRoutes(new NotificationsService(db), auth));
  // Audit log (docs/audit.md): the hash chain is kept by the database; these routes read, verify and sign it.
  await app.register(auditRoutes(new AuditService(db, { signingKeyPem }), auth));
  // Events (docs/events.md): the catalogue, webhooks and the outbox dispatcher feeding them (and JetStream when NATS_URL is set).
  await app.register(eventTypesRoutes(auth));
  const webhookDeliveries = new DeliveryWorker(
    db,
    { pollMs: config.webhookPollMs, batch: 100, allowPrivate: config.webhooksAllowPrivate },
    app.log.child({ component: 'webhook-deliveries' }),
  );
  await app.register(webhooksRoutes(new WebhooksService(db, { allowPrivate: config.webhooksAllowPrivate, onDue: () => webhookDeliveries.wake() }), auth));
  const events = createEventDispatch(db, config, {
    listenUrl: urls.appUrl,
    log: app.log.child({ component: 'outbox-dispatcher' }),
    sinks: [new WebhookSink(() => webhookDeliveries.wake())],
  });
  const timers = new TimerWorker(db, transitions, { pollMs: config.timerPollMs, batch: config.timerBatch }, app.log.child({ component: 'workflow-timers' }));
  await app.register(operatorsRoutes(new OperatorsService(db, signer, rateLimiter, { perMinute: config.loginRateLimitPerMinute }), auth));

  if (config.indexBuildWorker) app.addHook('onReady', async () => indexBuilds.start());
  if (config.timerWorker) app.addHook('onReady', async () => timers.start());
  if (config.dispatcher) app.addHook('onReady', async () => events.start());
  if (config.webhookWorker) app.addHook('onReady', async () => webhookDeliveries.start());
  app.addHook('onClose', async () => {
    // Before the pools close: the current batch finishes and its build is given back.
    await indexBuilds.stop();
    await timers.stop();
    await events.stop();
    await webhookDeliveries.stop();
    await apiKeys.close();
    await db.close();
  });
  return {
    app,
    db,
    close: () => app.close().then(() => undefined),
  };
}
