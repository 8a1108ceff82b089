// Reading builds for the API, and the records capability's way to ask for a
// build when a listing finds an indexed field whose entries are incomplete.
import type { TenantTx } from '../../platform/db/tenant-database.ts';
import { newId } from '../../platform/ids.ts';
import type { EntityTypeDefinition } from '../core/definitions.ts';
import { indexedFields } from '../../records/core/index-values.ts';
import { BUSY_FIELDS, COMPLETE_FIELDS, CURRENT_VERSION, DELETE_FINISHED, ENQUEUE, LIST_BUILDS } from './index-builds.sql.ts';

export type BuildStatus = 'pending' | 'building' | 'ready' | 'failed';

/** One build as the API answers it (IndexBuildSchema in entity-types.schemas.ts). */
export interface IndexBuildView {
  field: string;
  status: BuildStatus;
  records_done: number;
  records_total: number | null;
  error: string | null;
  conflicts: { value: unknown; count: number }[];
  requested_at: string;
  started_at: string | null;
  completed_at: string | null;
}

interface BuildRow {
  type_key: string;
  field_key: string;
  status: BuildStatus;
  records_done: number;
  records_total: number | null;
  error: string | null;
  conflicts: { field: string; value: unknown; count: number }[] | null;
  requested_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

function view(row: BuildRow): IndexBuildView {
  return {
    field: row.field_key,
    status: row.status,
    records_done: row.records_done,
    records_total: row.records_total,
    error: row.error,
    conflicts: (row.conflicts ?? []).map(({ value, count }) => ({ value, count })),
    requested_at: row.requested_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
  };
}

/** The builds to report, by type key: waiting, running or failed, and ready ones for a day. */
export async function listIndexBuilds(tx: TenantTx, type: string | null): Promise<Map<string, IndexBuildView[]>> {
  const { rows } = await tx.query<BuildRow>(LIST_BUILDS, [type]);
  const byType = new Map<string, IndexBuildView[]>();
  for (const row of rows) byType.set(row.type_key, [...(byType.get(row.type_key) ?? []), view(row)]);
  return byType;
}

async function fieldSet(tx: TenantTx, sql: string, type: string): Promise<Set<string>> {
  return new Set((await tx.query<{ field_key: string }>(sql, [type])).rows.map((row) => row.field_key));
}

/** Whether a build of one of the type's fields is waiting, running, or failed (then a rebuild in a listing would fail the same way). */
export async function indexBuildsBusy(tx: TenantTx, type: string): Promise<boolean> {
  return (await fieldSet(tx, BUSY_FIELDS, type)).size > 0;
}

/**
 * Queues a background build for every indexed field of the type whose
 * entries are incomplete and that no build is working on (nor failed on):
 * for a listing that may not build them itself (too many records). A field
 * the current definition no longer indexes by the time the worker looks is
 * cancelled there. Returns how many were queued.
 */
export async function requestIndexBuilds(tx: TenantTx, definition: EntityTypeDefinition): Promise<number> {
  const type = definition.key;
  const fields = indexedFields(definition).map((field) => field.key);
  if (fields.length === 0) return 0;
  const complete = await fieldSet(tx, COMPLETE_FIELDS, type);
  const busy = await fieldSet(tx, BUSY_FIELDS, type);
  const missing = fields.filter((field) => !complete.has(field) && !busy.has(field));
  if (missing.length === 0) return 0;
  const version = (await tx.query<{ current_version: number }>(CURRENT_VERSION, [type])).rows[0]?.current_version;
  if (version === undefined) return 0;
  await tx.query(DELETE_FINISHED, [type, missing]);
  await tx.query(ENQUEUE, [type, version, missing.map(() => newId()), missing]);
  return missing.length;
}
