import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { IdParams, problemResponses } from '../platform/http/schemas.ts';
import { NotificationListQuery, NotificationPageSchema, NotificationSchema } from './notifications.schemas.ts';
import type { NotificationsService } from './notifications.service.ts';

const security = [{ bearer: [] }];
const tags = ['notifications'];

export function notificationsRoutes(service: NotificationsService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    // A member's own notifications; API keys are not members and have none.
    const member = auth.tenant({ roles: ['gestor', 'cliente'] });

    app.get(
      '/api/notifications',
      {
        onRequest: member,
        schema: {
          tags,
          summary: "The caller's notifications, newest first",
          description:
            'Written by workflow `notify` effects. `?unread=true` keeps those not read yet; `limit` (1 to 200, default 50) and the previous page\'s `next_cursor` as `cursor` page through them.',
          security,
          querystring: NotificationListQuery,
          response: { 200: NotificationPageSchema, ...problemResponses(401, 403, 422) },
        },
      },
      async (request) => service.list(tenantCallOf(request), request.query),
    );

    app.post(
      '/api/notifications/:id/read',
      {
        onRequest: member,
        schema: {
          tags,
          summary: 'Mark one of your notifications read',
          description: 'Answers the notification; marking it again keeps the first `read_at`. Another member\'s notification is 404.',
          security,
          params: IdParams,
          response: { 200: NotificationSchema, ...problemResponses(401, 403, 404) },
        },
      },
      async (request) => service.markRead(tenantCallOf(request), request.params.id),
    );
  };
}
