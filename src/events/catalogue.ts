// The event catalogue: every event type the code writes to the outbox
// (grep emitEvent/queueEvents), with a JSON Schema of its payload, served at
// GET /api/events/types and listed in docs/events.md. A receiver sees the
// payload as `data` in the envelope (envelope.ts). Payload schemas name the
// members receivers may rely on and allow more (additive changes are not
// breaking); snapshots of organisation objects (a record, a member) are the
// same JSON the API answers for them.
import { Type, type TSchema } from '@sinclair/typebox';

export interface EventTypeEntry {
  /** The event type, e.g. `record.created`; `*` entries describe families (workflow-defined names). */
  readonly type: string;
  readonly description: string;
  /** `subject.type` of events of this type. */
  readonly subject_type: string;
  /** JSON Schema of the payload (`data`). */
  readonly payload: TSchema;
}

/** An API object snapshot: the same JSON the API answers for it. */
const snapshot = (what: string) => Type.Object({}, { additionalProperties: true, description: `the ${what} as the API answers it` });
const open = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
const nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);

const recordChange = open({
  type: Type.String({ description: 'the entity type key' }),
  record: snapshot('record (after the change; before it for record.deleted)'),
  before: Type.Optional(snapshot('record before an update')),
});
const recordRef = open({ id: Type.String({ format: 'uuid' }), type: Type.String() }, 'the record');
const transitionFacts = open({
  record: recordRef,
  transition: Type.String(),
  from: Type.String(),
  to: Type.String(),
  actor: Type.Unknown({ description: 'who made the transition' }),
});

function entry(type: string, subject_type: string, description: string, payload: TSchema): EventTypeEntry {
  return { type, subject_type, description, payload };
}

export const EVENT_CATALOGUE: readonly EventTypeEntry[] = [
  entry('tenant.created', 'tenant', 'An organisation signed up.', open({ tenant: snapshot('organisation') })),
  entry('tenant.plan_changed', 'tenant', 'The plan changed (billing).', open({ from: Type.String(), to: Type.String(), ai_token_quota: Type.Integer() })),
  entry('tenant.suspended', 'tenant', 'An operator suspended the organisation.', open({ tenant: snapshot('organisation'), reason: nullable(Type.String()) })),
  entry('tenant.reactivated', 'tenant', 'An operator reactivated the organisation.', open({ tenant: snapshot('organisation'), reason: nullable(Type.String()) })),
  entry('api_key.created', 'api_key', 'An API key was created (never its secret).', open({ api_key: snapshot('API key') })),
  entry('api_key.revoked', 'api_key', 'An API key was revoked.', open({ api_key: snapshot('API key') })),
  entry('member.invited', 'invitation', 'A member was invited; `replaced` lists invitations this one superseded.', open({ invitation: snapshot('invitation'), replaced: Type.Array(Type.String({ format: 'uuid' })) })),
  entry('member.invitation_revoked', 'invitation', 'An invitation was revoked.', open({ invitation: snapshot('invitation') })),
  entry('member.joined', 'user', 'An invited person accepted and became a member.', open({ member: snapshot('member'), invitation: snapshot('invitation') })),
  entry('member.role_changed', 'user', "A member's role changed.", open({ member: snapshot('member'), from: Type.String(), to: Type.String() })),
  entry('member.removed', 'user', 'A member was removed.', open({ member: snapshot('member') })),
  entry('team.created', 'team', 'A team was created.', open({ team: snapshot('team') })),
  entry('team.updated', 'team', 'A team was renamed or changed.', open({ team: snapshot('team'), before: snapshot('team before') })),
  entry('team.deleted', 'team', 'A team was deleted.', open({ team: snapshot('team') })),
  entry('team.member_added', 'team', 'A member joined a team.', open({ team_id: Type.String({ format: 'uuid' }), user_id: Type.String({ format: 'uuid' }) })),
  entry('team.member_removed', 'team', 'A member left a team.', open({ team_id: Type.String({ format: 'uuid' }), user_id: Type.String({ format: 'uuid' }) })),
  entry('entity_type.permissions_changed', 'entity_type', "An entity type's permissions changed.", open({ type: Type.String(), before: Type.Unknown(), after: Type.Unknown() })),
  entry('record.created', 'record', 'A record was created.', recordChange),
  entry('record.updated', 'record', 'A record was updated; `before` is the previous version.', recordChange),
  entry('record.deleted', 'record', 'A record was deleted; `record` is its last version.', recordChange),
  entry(
    'record.transitioned',
    'record',
    'A workflow transition moved a record to another state.',
    open({
      type: Type.String(),
      record: snapshot('record after the transition'),
      before: Type.Optional(snapshot('record before')),
      transition: Type.String(),
      from: Type.String(),
      to: Type.String(),
      workflow_version: Type.Integer(),
    }),
  ),
  entry('record.shared', 'record', 'A record was shared with a member or team.', open({ type: Type.String(), share: snapshot('share') })),
  entry('record.unshared', 'record', 'A record share was removed.', open({ type: Type.String(), share: snapshot('share') })),
  entry('record.sla_at_risk', 'record', "A record's SLA in its state is at risk.", open({ type: Type.String(), record: open({ id: Type.String(), type: Type.String() }), sla: Type.Unknown(), timer: open({ id: Type.String() }) })),
  entry('record.sla_breached', 'record', "A record's SLA in its state was breached.", open({ type: Type.String(), record: open({ id: Type.String(), type: Type.String() }), sla: Type.Unknown(), timer: open({ id: Type.String() }) })),
  entry('saved_query.created', 'saved_query', 'A saved query was created.', open({ saved_query: snapshot('saved query') })),
  entry('saved_query.updated', 'saved_query', 'A saved query was changed.', open({ saved_query: snapshot('saved query'), before: snapshot('saved query before') })),
  entry('saved_query.deleted', 'saved_query', 'A saved query was deleted.', open({ saved_query: snapshot('saved query') })),
  entry('business_calendar.created', 'business_calendar', 'A business calendar was created.', open({ calendar: snapshot('calendar'), overrides_built_in: Type.Boolean() })),
  entry('business_calendar.updated', 'business_calendar', 'A business calendar was changed.', open({ calendar: snapshot('calendar'), overrides_built_in: Type.Boolean() })),
  entry('business_calendar.deleted', 'business_calendar', 'A business calendar was deleted.', open({ calendar: snapshot('calendar') })),
  entry('workflow.published', 'workflow', 'A workflow version was published.', open({ key: Type.String(), version: Type.Integer(), entity_type: Type.String(), attached: Type.Unknown() })),
  entry('workflow.migrated', 'workflow', 'Records were migrated to another workflow version.', open({ entity_type: Type.String() })),
  entry(
    'notification.email_requested',
    'notification',
    'A workflow notify effect asked for an e-mail: send it (Tessera sends no e-mail itself).',
    open({ notification_id: Type.String({ format: 'uuid' }), user_id: Type.String({ format: 'uuid' }), email: Type.String(), title: Type.String(), body: Type.String() }),
  ),
  entry(
    '*',
    'record',
    "Workflow-defined events: the names a workflow's `event` and `webhook` effects (payload: the transition facts below) and event timers (payload: `type`, `record`, `timer`) emit, dotted lowercase words such as `incident.escalated`.",
    Type.Union([transitionFacts, open({ type: Type.String(), record: recordRef, timer: open({ id: Type.String(), due_at: Type.String({ format: 'date-time' }) }) })]),
  ),
];

/** JSON Schema of the envelope every transport sends (envelope.ts). */
export const ENVELOPE_SCHEMA: TSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'UUIDv7; also the webhook-id and the JetStream Nats-Msg-Id: receivers de-duplicate on it' }),
  type: Type.String({ description: 'the event type' }),
  tenant_id: Type.String({ format: 'uuid' }),
  subject: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
  occurred_at: Type.String({ format: 'date-time', description: 'when the change committed its outbox row' }),
  data: Type.Unknown({ description: 'the payload, per type below' }),
});
