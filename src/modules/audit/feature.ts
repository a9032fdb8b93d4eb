import type { Feature } from '../../lib/feature.ts';
import { auditCleanup } from './audit.service.ts';

/** The audit log: who did what (changes in their own transaction, reads in batches), kept AUDIT_LOG_RETENTION_DAYS. */
export const feature: Feature = {
  name: 'audit',
  cleanup: auditCleanup,
};
