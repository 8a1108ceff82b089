// Webhook endpoints (gestores only; no API key scope is accepted): schemas
// in, service call, nothing else. docs/events.md, "Webhooks".
import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { IdParams, problemResponses } from '../platform/http/schemas.ts';
import {
  CreateWebhookBody,
  DeliveryListQuery,
  DeliveryPageSchema,
  DeliveryParams,
  DeliverySchema,
  UpdateWebhookBody,
  WebhookListSchema,
  WebhookSchema,
  WebhookWithSecretSchema,
} from './webhooks.schemas.ts';
import type { WebhooksService } from './webhooks.service.ts';

const security = [{ bearer: [] }];
const tags = ['webhooks'];

export function webhooksRoutes(service: WebhooksService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    const gestor = auth.tenant({ roles: ['gestor'] });

    app.post(
      '/api/webhooks',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Register a webhook endpoint (gestor)',
          description: 'Answers the endpoint with its signing `secret` (`whsec_` + base64), only this once.',
          security,
          body: CreateWebhookBody,
          response: { 201: WebhookWithSecretSchema, ...problemResponses(401, 403, 422) },
        },
      },
      async (request, reply) => reply.code(201).send(await service.create(tenantCallOf(request), request.body)),
    );

    app.get(
      '/api/webhooks',
      { onRequest: gestor, schema: { tags, summary: 'List webhook endpoints (gestor); never the secret', security, response: { 200: WebhookListSchema, ...problemResponses(401, 403) } } },
      async (request) => ({ data: await service.list(tenantCallOf(request)) }),
    );

    app.get(
      '/api/webhooks/:id',
      { onRequest: gestor, schema: { tags, summary: 'One webhook endpoint (gestor)', security, params: IdParams, response: { 200: WebhookSchema, ...problemResponses(401, 403, 404) } } },
      async (request) => service.get(tenantCallOf(request), request.params.id),
    );

    app.patch(
      '/api/webhooks/:id',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Change a webhook endpoint (gestor): url, events, description, enabled',
          description: '`enabled: false` pauses deliveries (they wait, nothing is lost); `enabled: true` resumes them, also after the server disabled the endpoint.',
          security,
          params: IdParams,
          body: UpdateWebhookBody,
          response: { 200: WebhookSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.update(tenantCallOf(request), request.params.id, request.body),
    );

    app.delete(
      '/api/webhooks/:id',
      { onRequest: gestor, schema: { tags, summary: 'Delete a webhook endpoint and its deliveries (gestor)', security, params: IdParams, response: { 204: { type: 'null' }, ...problemResponses(401, 403, 404) } } },
      async (request, reply) => {
        await service.remove(tenantCallOf(request), request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/webhooks/:id/rotate-secret',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Rotate the signing secret (gestor): the old one keeps signing for 24 h',
          description: 'Answers the new `secret`, only this once. Until `previous_secret_expires_at` every delivery carries both signatures.',
          security,
          params: IdParams,
          response: { 200: WebhookWithSecretSchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => service.rotateSecret(tenantCallOf(request), request.params.id),
    );

    app.get(
      '/api/webhooks/:id/deliveries',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Deliveries to an endpoint, newest first (gestor)',
          description: '`status` filters; `limit` (1 to 200, default 50) and the previous page\'s `next_cursor` as `cursor` page through them.',
          security,
          params: IdParams,
          querystring: DeliveryListQuery,
          response: { 200: DeliveryPageSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.deliveries(tenantCallOf(request), request.params.id, request.query),
    );

    app.post(
      '/api/webhooks/:id/deliveries/:delivery_id/retry',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Send a delivery again now (gestor), with the same webhook-id',
          security,
          params: DeliveryParams,
          response: { 202: DeliverySchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request, reply) => reply.code(202).send(await service.retry(tenantCallOf(request), request.params.id, request.params.delivery_id)),
    );

    app.post(
      '/api/webhooks/:id/test',
      {
        onRequest: gestor,
        schema: { tags, summary: 'Send a `webhook.test` event to the endpoint (gestor)', security, params: IdParams, response: { 202: DeliverySchema, ...problemResponses(401, 403, 404) } },
      },
      async (request, reply) => reply.code(202).send(await service.test(tenantCallOf(request), request.params.id)),
    );
  };
}
