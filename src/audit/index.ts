export { queueAudit, recordAudit, type AuditEntry } from './record-audit.ts';
export { AuditService, type AuditServiceOptions } from './audit.service.ts';
export { auditRoutes } from './audit.routes.ts';
