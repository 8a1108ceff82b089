// The test app for webhook tests: the real application (test/helpers/
// test-app.ts) for sign-up and tokens, plus the webhook routes on a second
// Fastify instance sharing its database, signing key and API key secret
// (until src/app.ts wires them, tokens from one verify on the other). A local
// node:http receiver records what it is sent; the delivery worker is driven
// by the test (runOnce, fake clock).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { ApiKeysService } from '../../src/api-keys/index.ts';
import { AuthHooks, TokenSigner } from '../../src/auth/index.ts';
import type { OutboxEvent } from '../../src/events/index.ts';
import { newId } from '../../src/platform/ids.ts';
import { createHttpServer, type App } from '../../src/platform/http/server.ts';
import { DeliveryWorker, WebhookSink, WebhooksService, webhooksRoutes, type DeliveryWorkerOptions } from '../../src/webhooks/index.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

export interface WebhookApp {
  base: TestApp;
  routes: App;
  request(options: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; token: string; body?: unknown }): Promise<LightMyRequestResponse>;
  stop(): Promise<void>;
}

export async function startWebhookApp(options: { allowPrivate?: boolean } = {}): Promise<WebhookApp> {
  // The app's own outbox dispatcher and delivery worker are off: the tests dispatch and deliver themselves, on a fake clock.
  const base = await startTestApp({ TESSERA_TIMER_WORKER: 'false', TESSERA_INDEX_BUILD_WORKER: 'false', TESSERA_WEBHOOK_WORKER: 'false', TESSERA_DISPATCHER: 'false' });
  const routes = await createHttpServer({ logLevel: 'silent', bodyLimitBytes: base.config.bodyLimitBytes, trustProxy: false });
  const signer = await TokenSigner.create({
    privateKeyPem: base.config.jwtPrivateKeyPem!,
    issuer: base.config.jwtIssuer,
    audience: base.config.jwtAudience,
    ttlSeconds: base.config.accessTokenTtlSeconds,
  });
  const apiKeys = new ApiKeysService(base.db, { hmacSecret: base.config.apiKeySecret!, logger: routes.log });
  await routes.register(webhooksRoutes(new WebhooksService(base.db, { allowPrivate: options.allowPrivate ?? true }), new AuthHooks(signer, apiKeys)));
  await routes.ready();
  return {
    base,
    routes,
    request: ({ method, url, token, body }) =>
      routes.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      }),
    stop: async () => {
      await routes.close();
      await apiKeys.close();
      await base.stop();
    },
  };
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A local receiver; `answer` decides each response's status (200 by default). */
export class Receiver {
  readonly received: Received[] = [];
  answer: (body: string) => number = () => 200;
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = this.answer(body);
      this.received.push({ headers: request.headers, body, status });
      response.writeHead(status).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Bodies of the requests answered 2xx. */
  delivered(tenantId: string): Array<{ id: string; type: string; subject: { type: string; id: string | null }; data: Record<string, unknown> }> {
    return this.for(tenantId).filter((entry) => entry.status < 300).map((entry) => JSON.parse(entry.body));
  }

  /** Requests about one organisation's events (the worker serves every organisation of the test database). */
  for(tenantId: string): Received[] {
    return this.received.filter((entry) => JSON.parse(entry.body).tenant_id === tenantId);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A worker on a clock the test moves (`advance`); starts 1 s ahead so rows inserted just now are due. */
export function testWorker(app: WebhookApp, options: Partial<DeliveryWorkerOptions> = {}) {
  let offset = 1_000;
  const worker = new DeliveryWorker(
    app.base.db,
    { pollMs: 60_000, batch: 100, allowPrivate: true, clock: () => new Date(Date.now() + offset), random: () => 0.5, timeoutMs: 2_000, ...options },
    { warn: () => undefined },
  );
  return {
    worker,
    advance(ms: number): void {
      offset += ms;
    },
    /** Polls until nothing more is attempted right now. */
    async drain(): Promise<number> {
      let total = 0;
      for (;;) {
        const attempted = await worker.runOnce();
        total += attempted;
        if (attempted === 0) return total;
      }
    },
  };
}

export function outboxEvent(tenantId: string, type: string, subject: { type: string; id: string | null }, payload: Record<string, unknown> = {}): OutboxEvent {
  return { id: newId(), tenantId, type, subject, payload, occurredAt: new Date() };
}

/** What the outbox dispatcher does with the webhook sink: the events, in one transaction of their organisation. */
export async function dispatch(app: WebhookApp, events: readonly OutboxEvent[]): Promise<void> {
  const sink = new WebhookSink();
  await app.base.db.tenant.transaction({ tenantId: events[0]!.tenantId, userId: null }, (tx) => sink.inTransaction(tx, events));
}
