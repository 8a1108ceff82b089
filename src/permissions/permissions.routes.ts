import { Type } from '@sinclair/typebox';
import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import { KEY_PATTERN } from '../entities/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import { PermissionsSchema, PutPermissionsBody } from './permissions.schemas.ts';
import type { PermissionsService } from './permissions.service.ts';

const security = [{ bearer: [] }];
const tags = ['permissions'];

const KeyParams = Type.Object({ key: Type.String({ pattern: KEY_PATTERN, description: 'The entity type key' }) }, { additionalProperties: false });

const DEFAULTS =
  'Defaults when a gestor stored nothing: visibility `organisation`; cliente may read, create, update and delete; ' +
  'scopes `agentes` and `read-write` may do all four; `read-only` may only read; `proxy-ollama` nothing. Gestores may always do everything.';

export function permissionsRoutes(service: PermissionsService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    // Gestores only: no API key scope may see or change who may do what.
    const gestor = auth.tenant({ roles: ['gestor'] });

    app.get(
      '/api/entity-types/:key/permissions',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: "An entity type's visibility and per-role and per-scope permissions (gestor)",
          description: `The effective permissions: what is stored, with the defaults for the rest. ${DEFAULTS} See docs/access.md.`,
          security,
          params: KeyParams,
          response: { 200: PermissionsSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.get(tenantCallOf(request), request.params.key),
    );

    app.put(
      '/api/entity-types/:key/permissions',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: "Replace an entity type's visibility and permissions (gestor)",
          description:
            'The body has the shape of the GET answer; roles or scopes left out go back to their defaults. ' +
            'Unknown roles or scopes (including `gestor`, who may always do everything) are 422, and so is giving a `read-only` key create, update or delete, ' +
            `or a \`proxy-ollama\` key anything. Answers the effective permissions. ${DEFAULTS}`,
          security,
          params: KeyParams,
          body: PutPermissionsBody,
          response: { 200: PermissionsSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.replace(tenantCallOf(request), request.params.key, request.body),
    );
  };
}
