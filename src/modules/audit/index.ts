/** What the audit feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { AUDIT_ACTIONS, type AuditAction, type AuditActor, audit, auditChange, auditChanges, auditWith, listAuditLog } from './audit.service.ts';
