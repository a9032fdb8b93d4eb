import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { defineJob } from '../../jobs/job.ts';
import { deleteExpiredRateLimits } from '../../rest/rate-limit.ts';

/**
 * Hourly housekeeping (pg-boss cron, run by one worker whatever the number of processes): idempotency keys
 * past their 24 h, expired sessions and one-time tokens, rate-limit windows that ended an hour ago, and webhook
 * deliveries and attempts, and email logs with their dev-mailbox files, older than WEBHOOK_LOG_RETENTION_DAYS (one
 * still pending is kept), and audit entries older than AUDIT_LOG_RETENTION_DAYS are deleted, so no table grows
 * without bound and no copy of personal data outlives its retention.
 */
export const cleanupJob = defineJob({
  name: 'maintenance.cleanup',
  payload: z.object({}).passthrough(),
  cron: '17 * * * *',
  handler: async (deps) => {
    const now = new Date();
    const keys = await deps.prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lte: now } } });
    const sessions = await deps.prisma.session.deleteMany({ where: { expiresAt: { lte: now } } });
    const rateLimits = await deleteExpiredRateLimits(deps.pool);
    const tokens = await deps.prisma.userToken.deleteMany({ where: { expiresAt: { lte: new Date(now.getTime() - 24 * 3_600_000) } } });
    const retention = new Date(now.getTime() - deps.config.webhookLogRetentionDays * 24 * 3_600_000);
    const attempts = await deps.prisma.webhookAttempt.deleteMany({ where: { createdAt: { lt: retention }, delivery: { status: { not: 'PENDING' } } } });
    const deliveries = await deps.prisma.webhookDelivery.deleteMany({ where: { createdAt: { lt: retention }, status: { not: 'PENDING' } } });
    const emailLogs = await deleteOldEmailLogs(deps, retention);
    const { deleteExpiredAuditEntries } = await import('../audit/audit.service.ts');
    const auditEntries = await deleteExpiredAuditEntries(deps, now);
    deps.logger.info(
      {
        idempotencyKeys: keys.count,
        sessions: sessions.count,
        rateLimits,
        userTokens: tokens.count,
        webhookDeliveries: deliveries.count,
        webhookAttempts: attempts.count,
        emailLogs,
        auditEntries,
      },
      'expired rows deleted',
    );
  },
});

/** Email logs (not pending) created before `before`, and the dev-mailbox files they point to. */
async function deleteOldEmailLogs(deps: Deps, before: Date): Promise<number> {
  const { removeMailboxFiles } = await import('../emails/emails.transport.ts');
  const deleted = await deps.prisma.$queryRaw<Array<{ dev_mailbox_file: string | null }>>`
    DELETE FROM email_logs WHERE created_at < ${before} AND status <> 'PENDING' RETURNING dev_mailbox_file`;
  await removeMailboxFiles(
    deps,
    deleted.flatMap((row) => (row.dev_mailbox_file ? [row.dev_mailbox_file] : [])),
  );
  return deleted.length;
}
