import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { IdParams, problemResponses } from '../platform/http/schemas.ts';
import { ApiKeyListSchema, ApiKeySchema, CreateApiKeyBody, CreatedApiKeySchema, UsageSchema } from './api-keys.schemas.ts';
import type { ApiKeysService } from './api-keys.service.ts';

const security = [{ bearer: [] }];

export function apiKeysRoutes(service: ApiKeysService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    // Only gestores manage keys; no API key scope is accepted on these routes.
    const gestor = auth.tenant({ roles: ['gestor'] });
    // No app.addSchema() here: registering a schema inside a route plugin makes
    // Fastify rebuild this plugin's validator with its default Ajv options, which
    // silently strip unknown fields instead of answering 422.

    app.post(
      '/api/tenants/atual/api-keys',
      {
        onRequest: gestor,
        schema: {
          tags: ['api-keys'],
          summary: 'Create an API key (gestor)',
          description: 'Answers the full key in `secret`, only this once. Store it; the server keeps only a keyed hash.',
          security,
          body: CreateApiKeyBody,
          response: { 201: CreatedApiKeySchema, ...problemResponses(401, 403, 422) },
        },
      },
      async (request, reply) => reply.code(201).send(await service.create(tenantCallOf(request), request.body)),
    );

    app.get(
      '/api/tenants/atual/api-keys',
      {
        onRequest: gestor,
        schema: {
          tags: ['api-keys'],
          summary: 'List API keys (gestor), revoked ones included; never the secret',
          security,
          response: { 200: ApiKeyListSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => ({ data: await service.list(tenantCallOf(request)) }),
    );

    app.get(
      '/api/tenants/atual/api-keys/:id',
      {
        onRequest: gestor,
        schema: { tags: ['api-keys'], summary: 'One API key (gestor)', security, params: IdParams, response: { 200: ApiKeySchema, ...problemResponses(401, 403, 404) } },
      },
      async (request) => service.get(tenantCallOf(request), request.params.id),
    );

    app.post(
      '/api/tenants/atual/api-keys/:id/revogar',
      {
        onRequest: gestor,
        schema: {
          tags: ['api-keys'],
          summary: 'Revoke an API key (gestor): the next request with it gets 401',
          security,
          params: IdParams,
          response: { 200: ApiKeySchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => service.revoke(tenantCallOf(request), request.params.id),
    );

    app.get(
      '/api/tenants/atual/api-keys/:id/usage',
      {
        onRequest: gestor,
        schema: {
          tags: ['api-keys'],
          summary: 'Usage history of an API key (gestor): requests per day and IP, kept after revocation',
          security,
          params: IdParams,
          response: { 200: UsageSchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => ({ data: await service.usageHistory(tenantCallOf(request), request.params.id) }),
    );
  };
}
