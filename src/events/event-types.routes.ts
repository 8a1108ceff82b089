// GET /api/events/types: the event catalogue (catalogue.ts), for any member
// and any API key of the organisation: it is documentation, the same for all.
import { READ_SCOPES } from '../tenancy/access.ts';
import type { AuthHooks } from '../auth/index.ts';
import type { App } from '../platform/http/server.ts';
import { problemResponses } from '../platform/http/schemas.ts';
import { ENVELOPE_SCHEMA, EVENT_CATALOGUE } from './catalogue.ts';
import { EventTypeListSchema } from './event-types.schemas.ts';

/** Plain JSON: TypeBox schemas carry symbol keys that the serializer need not see. */
const plain = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema));

const BODY = {
  envelope: plain(ENVELOPE_SCHEMA),
  data: EVENT_CATALOGUE.map((entry) => ({ type: entry.type, subject_type: entry.subject_type, description: entry.description, payload: plain(entry.payload) })),
};

export function eventTypesRoutes(auth: AuthHooks) {
  return async function routes(app: App): Promise<void> {
    app.get(
      '/api/events/types',
      {
        onRequest: auth.tenant({ scopes: READ_SCOPES }),
        schema: {
          tags: ['events'],
          summary: 'The event catalogue: every event type with the JSON Schema of its payload',
          description:
            'What webhooks and NATS JetStream subscribers receive: `envelope` is the body of every event, `data` lists the types with the schema of the envelope\'s `data` for each (docs/events.md).',
          security: [{ bearer: [] }],
          response: { 200: EventTypeListSchema, ...problemResponses(401, 403) },
        },
      },
      async () => BODY,
    );
  };
}
