// The audit entries and events of record changes, queued on the writer's
// transaction (queueAudit, queueEvents): one statement each for any number of
// changes, sent with the transaction's next statement or its commit.
import { queueAudit } from '../audit/index.ts';
import { queueEvents } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import type { RecordView } from './records.schemas.ts';

export interface RecordChange {
  /** The audit action and the event type: `record.created`, `record.updated`, `record.deleted`, or a workflow's (`record.transitioned`). */
  readonly action: string;
  readonly before: RecordView | null;
  readonly after: RecordView | null;
  /** More of the event's payload (e.g. `cascaded_from`). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** More of the audit entry's `after` (e.g. a transition's key, from and to). */
  readonly auditExtra?: Readonly<Record<string, unknown>>;
}

export function queueChanges(tx: TenantTx, call: TenantCall, changes: readonly RecordChange[]): void {
  if (changes.length === 0) return;
  const subject = (change: RecordChange) => (change.after ?? change.before) as RecordView;
  queueAudit(
    tx,
    changes.map((change) => ({
      actor: call.actor,
      action: change.action,
      target: { type: 'record', id: subject(change).id },
      ...(change.before === null ? {} : { before: change.before }),
      ...(change.after === null ? {} : { after: change.auditExtra ? { ...change.after, ...change.auditExtra } : change.after }),
      origin: call.origin,
    })),
  );
  queueEvents(
    tx,
    changes.map((change) => ({
      type: change.action,
      subject: { type: 'record', id: subject(change).id },
      payload: {
        type: subject(change).type,
        record: change.after ?? change.before,
        ...(change.before && change.after ? { before: change.before } : {}),
        ...(change.extra ?? {}),
      },
    })),
  );
}
