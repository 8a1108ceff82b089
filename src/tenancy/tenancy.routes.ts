import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import { READ_SCOPES } from './access.ts';
import { PatchSettingsBody, PatchTenantBody, SettingsSchema, SignupBody, SignupResponse, TenantSchema } from './tenancy.schemas.ts';
import type { TenancyService } from './tenancy.service.ts';
import { originOf } from '../platform/http/origin.ts';

export function tenancyRoutes(service: TenancyService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    app.post(
      '/api/signup',
      {
        schema: {
          tags: ['organisations'],
          summary: 'Create an organisation and its owner',
          description:
            'Creates the organisation, its owner (role gestor) and a session in one transaction. Rate-limited per IP. A taken slug is 409.',
          body: SignupBody,
          response: { 201: SignupResponse, ...problemResponses(409, 422, 429) },
        },
      },
      async (request, reply) => {
        const result = await service.signup(request.body, originOf(request));
        return reply.code(201).send(result);
      },
    );

    app.get(
      '/api/tenants/atual',
      {
        onRequest: auth.tenant({ scopes: READ_SCOPES }),
        schema: {
          tags: ['organisations'],
          summary: "The caller's organisation",
          security: [{ bearer: [] }],
          response: { 200: TenantSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => service.current(tenantCallOf(request)),
    );

    app.patch(
      '/api/tenants/atual',
      {
        onRequest: auth.tenant({ roles: ['gestor'] }),
        schema: {
          tags: ['organisations'],
          summary: 'Change the organisation (gestor): nome, plano, vertical',
          description: 'A plan change moves the AI token quota to the new plan\'s default unless it was set by hand.',
          security: [{ bearer: [] }],
          body: PatchTenantBody,
          response: { 200: TenantSchema, ...problemResponses(401, 403, 422) },
        },
      },
      async (request) => service.update(tenantCallOf(request), request.body),
    );

    app.get(
      '/api/tenants/atual/settings',
      {
        onRequest: auth.tenant({ scopes: READ_SCOPES }),
        schema: {
          tags: ['organisations'],
          summary: "The organisation's settings: time zone, locale, currency",
          security: [{ bearer: [] }],
          response: { 200: SettingsSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => service.settings(tenantCallOf(request)),
    );

    app.patch(
      '/api/tenants/atual/settings',
      {
        onRequest: auth.tenant({ roles: ['gestor'] }),
        schema: {
          tags: ['organisations'],
          summary: "Change the organisation's settings (gestor)",
          security: [{ bearer: [] }],
          body: PatchSettingsBody,
          response: { 200: SettingsSchema, ...problemResponses(401, 403, 422) },
        },
      },
      async (request) => service.updateSettings(tenantCallOf(request), request.body),
    );
  };
}
