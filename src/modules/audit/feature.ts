import type { Feature } from '../../lib/feature.ts';
import { AuditWriter, auditCleanup } from './audit.service.ts';

declare module '../../lib/services.ts' {
  interface Services {
    /** Audit entries for reads, written in batches (changes are audited in their own transaction). */
    audit: AuditWriter;
  }
}

/** The audit log: who did what (changes in their own transaction, reads in batches), kept AUDIT_LOG_RETENTION_DAYS. */
export const feature: Feature = {
  name: 'audit',
  cleanup: auditCleanup,
  services: (deps, { lifecycle }) => {
    deps.audit = new AuditWriter(deps.pool, deps.logger);
    lifecycle.onStop('services', 'audit log', () => deps.audit.close());
  },
};
