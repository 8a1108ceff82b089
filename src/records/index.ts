export { RecordsService, type ChangeAudit, type LockedRecord, type LockOptions, type ReadRecord, type RecordsOptions } from './records.service.ts';
export { recordsRoutes } from './records.routes.ts';
export { RecordErrors } from './records.errors.ts';
// Per-type permissions, for the query engine (src/query), which reads records too.
export { typeAccess, requireAction, type TypeAccess } from './access.ts';
// For workflows (src/workflows): rows, their workflow columns, and related records for guards.
export { toView, RECORD_COLUMNS, type RecordRow, type SlaStatus, type WorkflowColumns } from './record-row.ts';
export { loadRelated, storedOf } from './related-records.ts';
export type { TypeState } from './type-state.ts';
export { LOCK_TYPE_CREATIONS_EXCLUSIVE } from './records.sql.ts';
export type { RecordBody } from './core/validate-record.ts';
export type { RecordView } from './records.schemas.ts';
