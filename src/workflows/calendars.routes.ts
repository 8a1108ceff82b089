import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import { CalendarKeyParams, CalendarListSchema, CalendarSchema, DueQuery, DueSchema, PutCalendarBody } from './calendars.schemas.ts';
import type { CalendarsService } from './calendars.service.ts';

const security = [{ bearer: [] }];
const tags = ['business-calendars'];

// Calendars are configuration like the entity type registry: every member and
// data-reading API keys may read them; only gestores change them.
const READ_SCOPES = ['agentes', 'read-only', 'read-write'];

const TIME = 'Working periods are local wall-clock times in the calendar\'s time zone (docs/workflows.md, "Time: calendars, SLAs and timers").';

export function calendarsRoutes(service: CalendarsService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    const gestor = auth.tenant({ roles: ['gestor'] });
    const reader = auth.tenant({ scopes: READ_SCOPES });

    app.get(
      '/api/business-calendars',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: "The organisation's business calendars, built-ins included",
          description: `The built-ins \`24x7\` and \`business-hours\` are listed with \`built_in: true\` unless the organisation overrides them. ${TIME}`,
          security,
          response: { 200: CalendarListSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => ({ data: await service.list(tenantCallOf(request)) }),
    );

    app.get(
      '/api/business-calendars/:key',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'One business calendar',
          security,
          params: CalendarKeyParams,
          response: { 200: CalendarSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.get(tenantCallOf(request), request.params.key),
    );

    app.put(
      '/api/business-calendars/:key',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Create or replace a business calendar (gestor)',
          description: `201 when created, 200 when replaced. A built-in key overrides the built-in for the organisation. Every problem in the body is reported at once in \`errors\` (422). A change applies to states entered afterwards: SLA due dates and timers already set keep their times. ${TIME}`,
          security,
          params: CalendarKeyParams,
          body: PutCalendarBody,
          response: { 200: CalendarSchema, 201: CalendarSchema, ...problemResponses(401, 403, 422) },
        },
      },
      async (request, reply) => {
        const { calendar, created } = await service.put(tenantCallOf(request), request.params.key, request.body);
        return reply.code(created ? 201 : 200).send(calendar);
      },
    );

    app.delete(
      '/api/business-calendars/:key',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Delete a business calendar (gestor)',
          description:
            'Deleting an override of a built-in restores the built-in. A calendar that a workflow refers to in its latest version, or in an older version records are still on, is 409 `calendar-in-use`; a built-in without override is 409 `calendar-built-in`.',
          security,
          params: CalendarKeyParams,
          response: { 204: { type: 'null', description: 'Deleted' }, ...problemResponses(401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        await service.delete(tenantCallOf(request), request.params.key);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/business-calendars/:key/due',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'When an amount of working time has elapsed under the calendar',
          description: `\`?within=4h&start=2026-03-27T16:00:00Z\` answers the instant when 4 hours of working time have elapsed after \`start\` (now when absent): how an SLA's \`due_at\` is computed. ${TIME}`,
          security,
          params: CalendarKeyParams,
          querystring: DueQuery,
          response: { 200: DueSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => service.due(tenantCallOf(request), request.params.key, request.query),
    );
  };
}
