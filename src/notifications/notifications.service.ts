// In-app notifications: written by workflow `notify` effects (in the
// transition's transaction, so a notification exists exactly when the
// transition committed), read and marked read by their recipient. A member
// sees only their own: another member's or another organisation's
// notification answers 404, like an id that does not exist.
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { INSERT_NOTIFICATIONS, LIST_NOTIFICATIONS, MARK_READ } from './notifications.sql.ts';
import type { NotificationPage, NotificationView } from './notifications.schemas.ts';

interface NotificationRow {
  id: string;
  record_type: string | null;
  record_id: string | null;
  title: string;
  body: string | null;
  created_at: Date;
  read_at: Date | null;
}

function viewOf(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    record: row.record_type !== null && row.record_id !== null ? { type: row.record_type, id: row.record_id } : null,
    title: row.title,
    body: row.body,
    created_at: row.created_at.toISOString(),
    read_at: row.read_at?.toISOString() ?? null,
  };
}

/** Who a notification reaches and what it says. */
export interface NotificationRequest {
  readonly users: readonly string[];
  readonly roles: readonly string[];
  /** Team names, any case. */
  readonly teams: readonly string[];
  readonly record: { readonly type: string; readonly id: string } | null;
  readonly title: string;
  readonly body: string | null;
}

export interface Notified {
  readonly id: string;
  readonly userId: string;
  readonly email: string;
}

function valuesOf(request: NotificationRequest): unknown[] {
  return [
    [...new Set(request.users.map((id) => id.toLowerCase()))],
    [...request.roles],
    request.teams.map((name) => name.toLowerCase()),
    request.record?.type ?? null,
    request.record?.id ?? null,
    request.title,
    request.body,
  ];
}

/** Writes the notifications in the caller's transaction and answers each recipient (one statement). */
export async function insertNotifications(tx: TenantTx, request: NotificationRequest): Promise<Notified[]> {
  const { rows } = await tx.query<{ id: string; user_id: string; email: string }>(INSERT_NOTIFICATIONS, valuesOf(request));
  return rows.map((row) => ({ id: row.id, userId: row.user_id, email: row.email }));
}

/** The same, queued on the caller's transaction (sent with its next statement or COMMIT) when the recipients need not be known. */
export function queueNotifications(tx: TenantTx, request: NotificationRequest): void {
  tx.queue(INSERT_NOTIFICATIONS, valuesOf(request));
}

export function notificationNotFound(id: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No notification ${id} of yours.`);
}

export class NotificationsService {
  constructor(private readonly db: Database) {}

  /** The caller's notifications, newest first; `cursor` is the last id of the previous page. */
  async list(call: TenantCall, query: { unread?: boolean; limit?: number; cursor?: string }): Promise<NotificationPage> {
    const userId = requireMember(call);
    const limit = query.limit ?? 50;
    const { rows } = await this.db.tenant.query<NotificationRow>(call.scope, LIST_NOTIFICATIONS, [userId, query.unread === true, query.cursor ?? null, limit + 1]);
    const kept = rows.slice(0, limit);
    return { data: kept.map(viewOf), next_cursor: rows.length > limit ? (kept.at(-1)?.id ?? null) : null };
  }

  /** Marks one of the caller's notifications read (again: keeps the first time). */
  async markRead(call: TenantCall, id: string): Promise<NotificationView> {
    const userId = requireMember(call);
    const row = (await this.db.tenant.query<NotificationRow>(call.scope, MARK_READ, [id, userId])).rows[0];
    if (!row) throw notificationNotFound(id);
    return viewOf(row);
  }
}

/** Notifications belong to members; the routes admit members only, so this holds. */
function requireMember(call: TenantCall): string {
  if (call.scope.userId === null) throw new AppError(PlatformErrors.forbidden, 'Notifications belong to members; API keys have none.');
  return call.scope.userId;
}
