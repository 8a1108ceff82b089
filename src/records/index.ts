export { RecordsService } from './records.service.ts';
export { recordsRoutes } from './records.routes.ts';
export { RecordErrors } from './records.errors.ts';
// Per-type permissions, for the query engine (src/query), which reads records too.
export { typeAccess, requireAction, type TypeAccess } from './access.ts';
