import type { FastifyRequest } from 'fastify';
import { operatorIdOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { IdParams, problemResponses } from '../platform/http/schemas.ts';
import { TenantSchema } from '../tenancy/index.ts';
import { OperatorLoginBody, OperatorSessionSchema, StatusChangeBody, TenantListQuery, TenantListSchema } from './operators.schemas.ts';
import type { OperatorCall, OperatorsService } from './operators.service.ts';
import { originOf } from '../platform/http/origin.ts';

const security = [{ bearer: [] }];
const tags = ['operators'];

/**
 * The status-change body is optional, but Fastify validates an absent body as
 * `undefined`, which no object schema accepts: an absent body counts as `{}`.
 */
async function absentBodyIsEmpty(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}

function operatorCall(request: FastifyRequest): OperatorCall {
  return { operatorId: operatorIdOf(request), origin: originOf(request) };
}

export function operatorsRoutes(service: OperatorsService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    // Member tokens and API keys are refused here (401): operator tokens have their own audience.
    const operator = auth.operator();

    app.post(
      '/api/admin/auth/login',
      {
        schema: {
          tags,
          summary: 'Sign in a platform operator',
          description: 'Rate-limited per IP and per email. Operators are created with `npx tessera operator create`. No refresh token: sign in again.',
          body: OperatorLoginBody,
          response: { 200: OperatorSessionSchema, ...problemResponses(401, 422, 429) },
        },
      },
      async (request) => service.login(request.body, originOf(request)),
    );

    app.get(
      '/api/admin/tenants',
      {
        onRequest: operator,
        schema: {
          tags,
          summary: 'List organisations (operators), newest first',
          description: 'Keyset pagination: pass `next_cursor` as `cursor` until it is null. Filters: `status`, `slug` prefix.',
          security,
          querystring: TenantListQuery,
          response: { 200: TenantListSchema, ...problemResponses(401, 422) },
        },
      },
      async (request) => service.listTenants(operatorCall(request), request.query),
    );

    app.get(
      '/api/admin/tenants/:id',
      {
        onRequest: operator,
        schema: {
          tags,
          summary: 'One organisation (operators); the access is recorded in its audit log',
          security,
          params: IdParams,
          response: { 200: TenantSchema, ...problemResponses(401, 404, 422) },
        },
      },
      async (request) => service.getTenant(operatorCall(request), request.params.id),
    );

    app.post(
      '/api/admin/tenants/:id/suspend',
      {
        onRequest: operator,
        preValidation: absentBodyIsEmpty,
        schema: {
          tags,
          summary: "Suspend an organisation (operators): its members' tokens and API keys are refused with 403",
          description:
            'The body is optional. Idempotent: suspending a suspended organisation answers it unchanged and records nothing. A cancelled one is 409.',
          security,
          params: IdParams,
          body: StatusChangeBody,
          response: { 200: TenantSchema, ...problemResponses(401, 404, 409, 422) },
        },
      },
      async (request) => service.suspend(operatorCall(request), request.params.id, request.body.reason),
    );

    app.post(
      '/api/admin/tenants/:id/reactivate',
      {
        onRequest: operator,
        preValidation: absentBodyIsEmpty,
        schema: {
          tags,
          summary: 'Reactivate a suspended organisation (operators)',
          description:
            'The body is optional. Idempotent: reactivating an active organisation answers it unchanged and records nothing. A cancelled one is 409.',
          security,
          params: IdParams,
          body: StatusChangeBody,
          response: { 200: TenantSchema, ...problemResponses(401, 404, 409, 422) },
        },
      },
      async (request) => service.reactivate(operatorCall(request), request.params.id, request.body.reason),
    );
  };
}
