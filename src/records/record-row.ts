// A records row as the records statements answer it, and its API view.
import type { EntityTypeDefinition } from '../entities/index.ts';
import type { StateCategory } from '../workflows/core/definition.ts';
import { slaView } from '../workflows/core/engine.ts';
import { projectFields } from './core/validate-record.ts';
import type { RecordView } from './records.schemas.ts';

/** The columns every records statement answers, in RecordRow's order. */
export const RECORD_COLUMNS = [
  'id',
  'type_key',
  'type_version',
  'data',
  'version',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
  'workflow_key',
  'workflow_version',
  'state',
  'state_category',
  'state_entered_at',
  'sla_due_at',
  'sla_at_risk_at',
  'sla_status',
] as const;

export type SlaStatus = 'ok' | 'at_risk' | 'breached';

/**
 * A record's place in its type's workflow (migrations/0011): all null until
 * the type's workflow is first published. Written together by creation,
 * publish (attach), transitions, migration and the timer worker (sla_status).
 */
export interface WorkflowColumns {
  workflow_key: string;
  workflow_version: number;
  state: string;
  state_category: StateCategory;
  /** The start of the current stay: timers of the stay carry the same instant. */
  state_entered_at: Date;
  sla_due_at: Date | null;
  sla_at_risk_at: Date | null;
  /** 'ok' on entering a state with an SLA (the worker moves it on), else null. */
  sla_status: 'ok' | null;
}

export interface RecordRow {
  id: string;
  type_key: string;
  type_version: number;
  data: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
  workflow_key: string | null;
  workflow_version: number | null;
  state: string | null;
  state_category: StateCategory | null;
  state_entered_at: Date | null;
  sla_due_at: Date | null;
  sla_at_risk_at: Date | null;
  sla_status: SlaStatus | null;
}

const SLA_ORDER: Readonly<Record<SlaStatus, number>> = { ok: 0, at_risk: 1, breached: 2 };

/** The clock's status, or the stored one when the worker has already moved it further (its clock may run ahead of this process's). */
function worse(computed: SlaStatus, stored: SlaStatus | null): SlaStatus {
  return stored !== null && SLA_ORDER[stored] > SLA_ORDER[computed] ? stored : computed;
}

/**
 * The record as the API shows it: system fields (the workflow's ones null
 * when the type has no workflow), then `data` projected through the type's
 * CURRENT definition. The SLA status is recomputed from `now`, so a read is
 * exact even before the timer worker has moved the stored status.
 */
export function toView(row: RecordRow, definition: EntityTypeDefinition | undefined, now: Date = new Date()): RecordView {
  const sla = row.sla_due_at ? slaView(row.sla_due_at, row.sla_at_risk_at, now) : null;
  return {
    id: row.id,
    type: row.type_key,
    version: row.version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    created_by: row.created_by,
    updated_by: row.updated_by,
    state: row.state ?? null,
    state_category: row.state_category ?? null,
    workflow_version: row.workflow_version ?? null,
    sla_status: sla ? worse(sla.status, row.sla_status) : null,
    sla_due_at: row.sla_due_at?.toISOString() ?? null,
    sla_remaining_seconds: sla?.remaining_seconds ?? null,
    ...(definition ? projectFields(definition, row.data) : {}),
  };
}

