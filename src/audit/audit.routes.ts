import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import { AuditListQuery, AuditPageSchema, CheckpointListSchema, VerifyBody, VerifyResultSchema } from './audit.schemas.ts';
import type { AuditService } from './audit.service.ts';

const security = [{ bearer: [] }];
const tags = ['audit'];

export function auditRoutes(service: AuditService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    // The audit log is for gestores only: it holds every member's actions and before/after data.
    const gestor = auth.tenant({ roles: ['gestor'] });

    app.get(
      '/api/audit',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: "The organisation's audit log",
          description:
            'Newest first (`order=asc` for oldest first), paged by `seq`: pass the previous page\'s `next_cursor` as `cursor`. Filters: `actor_type`, `actor_id`, `action` (a prefix), `target_type`, `target_id`, `from` (inclusive) and `to` (exclusive) times. See docs/audit.md.',
          security,
          querystring: AuditListQuery,
          response: { 200: AuditPageSchema, ...problemResponses(401, 403, 422) },
        },
      },
      async (request) => service.list(tenantCallOf(request), request.query),
    );

    app.post(
      '/api/audit/verify',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Verify the hash chain',
          description:
            'Recomputes every entry\'s hash from `from_seq` (default 1) to `to_seq` (default: the head). `ok: false` names the first broken `seq`, the `kind` of break and why. A range starting after 1 is anchored on the stored hash of the entry before it.',
          security,
          body: VerifyBody,
          response: { 200: VerifyResultSchema, ...problemResponses(401, 403, 422) },
        },
      },
      async (request) => service.verify(tenantCallOf(request), request.body),
    );

    app.get(
      '/api/audit/checkpoints',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'Signed checkpoints of the chain head',
          description:
            'The chain head signed with the server\'s Ed25519 key, newest first, and the public key (JWK) that verifies them. A new checkpoint is taken when listing if the head moved and the last checkpoint is older than the interval (10 minutes by default).',
          security,
          response: { 200: CheckpointListSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => service.checkpoints.list(tenantCallOf(request)),
    );
  };
}
