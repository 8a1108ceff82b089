export { RecordsService } from './records.service.ts';
export { recordsRoutes } from './records.routes.ts';
export { RecordErrors } from './records.errors.ts';
