export { queueAudit, recordAudit, type AuditEntry } from './record-audit.ts';
