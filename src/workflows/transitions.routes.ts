import { tenantCallOf, type AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import type { HistoryService } from './history.service.ts';
import {
  GuardSecretSchema,
  HistoryPageSchema,
  HistoryQuery,
  PerformBody,
  PerformResultSchema,
  RecordParams,
  TransitionListSchema,
  TransitionParams,
} from './transitions.schemas.ts';
import type { TransitionsService } from './transitions.service.ts';

const security = [{ bearer: [] }];
const tags = ['workflows'];

// As the records routes: members, and API keys by scope (agents and
// integrations perform transitions, read-only keys list them); the type's
// permissions and the row ACL narrow it in the service (docs/access.md).
const READ_SCOPES = ['agentes', 'read-only', 'read-write'];
const WRITE_SCOPES = ['agentes', 'read-write'];

/** The record's version as its ETag (as the records routes send it). */
function etagOf(version: number): string {
  return `"${version}"`;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function transitionsRoutes(service: TransitionsService, history: HistoryService, auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    const reader = auth.tenant({ scopes: READ_SCOPES });
    const writer = auth.tenant({ scopes: WRITE_SCOPES });
    const gestor = auth.tenant({ roles: ['gestor'] });

    app.get(
      '/api/records/:type/:id/transitions',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: 'The transitions leaving the record\'s state, and whether the caller may perform each now',
          description:
            'Each transition with `allowed` and every guard\'s result (`passed`, and `reason` when it fails): a role or team the caller lacks, a condition that is not true, related records in other states, an external check that denied or did not answer. External guards are asked for the listing too (their answers are cached for the guard\'s `cache_seconds`). Input is not checked here (it is not given yet): a condition that reads the input and cannot be decided without it shows as passing. Without permission to change the record every transition shows `allowed: false` with `reason`. A type without a workflow is 409 `workflow-not-attached`.',
          security,
          params: RecordParams,
          response: { 200: TransitionListSchema, ...problemResponses(401, 403, 404, 409) },
        },
      },
      async (request) => service.list(tenantCallOf(request), request.params.type, request.params.id),
    );

    app.post(
      '/api/records/:type/:id/transitions/:key',
      {
        onRequest: writer,
        schema: {
          tags,
          summary: 'Perform a transition',
          description:
            'Body `{ "input": { ... } }` (optional when the transition has no required input). Answers the record after the transition (with its new `ETag`) and `{ key, from, to, history_id }`. The state change, field updates, effects (child records, notifications, webhook and domain events through the outbox), timers, history entry and audit entry commit together or not at all. `If-Match` is honoured as in PATCH (412). Refusals: 404 `transition-not-found`; 409 `transition-not-available` (not from the record\'s current state: also what the loser of two concurrent transitions gets) or `record-in-final-state`; 422 `transition-guard-failed` (with `guards`) or `validation-failed` (input, pointers `/input/<key>`; or values the effects set, pointers `/<field>`).',
          security,
          params: TransitionParams,
          body: PerformBody,
          response: { 200: PerformResultSchema, ...problemResponses(401, 403, 404, 409, 412, 422) },
        },
      },
      async (request, reply) => {
        const { type, id, key } = request.params;
        const input = request.body?.input ?? {};
        const ifMatch = header(request.headers['if-match']);
        const done = await service.perform(tenantCallOf(request), type, id, key, input, ifMatch === undefined ? {} : { ifMatch });
        if (done.outcome !== 'performed') throw new Error('a transition performed by a caller is never skipped');
        return reply.header('etag', etagOf(done.version)).send({ record: done.record, transition: done.transition });
      },
    );

    app.get(
      '/api/records/:type/:id/history',
      {
        onRequest: reader,
        schema: {
          tags,
          summary: "The record's workflow history, oldest first",
          description:
            'Every entry of the append-only history: its creation in the initial state (`create`), its placement by a workflow\'s first publish (`attach`), each transition (`transition`, or `timeout` when a timer performed it) and each migration between versions (`migrate`), with actor, time, workflow version, input, guard results, effects and the SLA of the state left. `limit` (1 to 200, default 50) and `cursor` page through it. Needs permission to read the record.',
          security,
          params: RecordParams,
          querystring: HistoryQuery,
          response: { 200: HistoryPageSchema, ...problemResponses(401, 403, 404, 422) },
        },
      },
      async (request) => history.list(tenantCallOf(request), request.params.type, request.params.id, request.query),
    );

    app.get(
      '/api/workflow-guards/secret',
      {
        onRequest: gestor,
        schema: {
          tags,
          summary: 'The key external guard calls are signed with (gestor)',
          description:
            'External guards receive a POST signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature` headers). Verify it with this secret (`whsec_<base64>`, the form the Standard Webhooks libraries take). It is derived from the server secret and the organisation, so it is the same on every server process and different for every organisation.',
          security,
          response: { 200: GuardSecretSchema, ...problemResponses(401, 403) },
        },
      },
      async (request) => ({ secret: service.guardSecret(tenantCallOf(request)) }),
    );
  };
}
