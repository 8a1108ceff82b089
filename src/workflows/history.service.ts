// GET /api/records/{type}/{id}/history: every transition of a record (and
// its creation, attachment, timeouts and migrations) with actor, time,
// workflow version, input, guard results and effects, oldest first, from the
// append-only record_history. Reading it needs what reading the record
// needs: the record is read first through the records service (type
// permission `read`, the row ACL, 404 for another organisation's id).
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import type { RecordsService } from '../records/index.ts';
import { LIST_HISTORY } from './history.sql.ts';
import type { HistoryEntryView, HistoryPage } from './transitions.schemas.ts';

interface HistoryRow {
  id: string;
  kind: HistoryEntryView['kind'];
  transition_key: string | null;
  from_state: string | null;
  to_state: string;
  workflow_key: string;
  workflow_version: number;
  actor_type: HistoryEntryView['actor']['type'];
  actor_id: string | null;
  input: Record<string, unknown> | null;
  guards: HistoryEntryView['guards'];
  effects: HistoryEntryView['effects'];
  sla: HistoryEntryView['sla'];
  occurred_at: Date;
  occurred_text: string;
}

const TIME_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether "YYYY-MM-DD HH:MM:SS[.ffffff]" names a real UTC instant (Date.parse rolls 02-30 over to March: compare back). */
function isRealTime(text: string): boolean {
  const parsed = Date.parse(`${text.slice(0, 19).replace(' ', 'T')}Z`);
  return !Number.isNaN(parsed) && new Date(parsed).toISOString().slice(0, 19) === text.slice(0, 19).replace(' ', 'T');
}

function encodeCursor(row: HistoryRow): string {
  return Buffer.from(JSON.stringify({ t: row.occurred_text, i: row.id })).toString('base64url');
}

/** The cursor's position, or a 422 on /cursor (opaque, not signed: a forged one only moves the start inside the caller's record). */
function decodeCursor(text: string): { at: string; id: string } {
  let parsed: unknown;
  try {
    parsed = /^[A-Za-z0-9_-]+$/.test(text) ? JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) : null;
  } catch {
    parsed = null;
  }
  const { t, i } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { t?: unknown; i?: unknown };
  // The time must be a real instant (the statement casts it): a forged "2026-13-45" is refused here, not by PostgreSQL.
  const real = typeof t === 'string' && TIME_TEXT.test(t) && isRealTime(t);
  if (!real || typeof i !== 'string' || !UUID.test(i)) {
    throw new AppError(PlatformErrors['validation-failed'], 'cursor is not a cursor of this listing', [
      { pointer: '/cursor', message: 'is not a cursor of this listing', in: 'query' },
    ]);
  }
  return { at: t as string, id: i };
}

function viewOf(row: HistoryRow): HistoryEntryView {
  return {
    id: row.id,
    kind: row.kind,
    transition: row.transition_key,
    from_state: row.from_state,
    to_state: row.to_state,
    workflow_key: row.workflow_key,
    workflow_version: row.workflow_version,
    actor: { type: row.actor_type, id: row.actor_id },
    input: row.input,
    guards: row.guards,
    effects: row.effects,
    sla: row.sla,
    occurred_at: row.occurred_at.toISOString(),
  };
}

export class HistoryService {
  constructor(
    private readonly db: Database,
    private readonly records: RecordsService,
  ) {}

  async list(call: TenantCall, type: string, id: string, query: { limit?: number; cursor?: string }): Promise<HistoryPage> {
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const limit = query.limit ?? 50;
    // The record as its reader sees it: 404 when it is not theirs to read, 403 when the type denies reading.
    await this.records.get(call, type, id, []);
    const { rows } = await this.db.tenant.query<HistoryRow>(call.scope, LIST_HISTORY, [id, after?.at ?? null, after?.id ?? null, limit + 1]);
    const kept = rows.slice(0, limit);
    const last = kept.at(-1);
    return { data: kept.map(viewOf), next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
  }
}
