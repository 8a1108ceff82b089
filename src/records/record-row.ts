// A records row as the records statements answer it, and its API view.
import type { EntityTypeDefinition } from '../entities/index.ts';
import { projectFields } from './core/validate-record.ts';
import type { RecordView } from './records.schemas.ts';

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
}

/** The record as the API shows it: system fields, then `data` projected through the type's CURRENT definition. */
export function toView(row: RecordRow, definition: EntityTypeDefinition | undefined): RecordView {
  return {
    id: row.id,
    type: row.type_key,
    version: row.version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    created_by: row.created_by,
    updated_by: row.updated_by,
    ...(definition ? projectFields(definition, row.data) : {}),
  };
}
