import { z } from 'zod';
import { defineJob } from '../../jobs/job.ts';
import { deleteExpiredRateLimits } from '../../rest/rate-limit.ts';

/**
 * Hourly housekeeping (pg-boss cron, run by one worker whatever the number of processes): idempotency keys
 * past their 24 h, expired sessions and one-time tokens, rate-limit windows that ended an hour ago, and webhook
 * deliveries and attempts older than WEBHOOK_LOG_RETENTION_DAYS (a delivery still pending is kept) are deleted,
 * so no table grows without bound.
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
    deps.logger.info(
      {
        idempotencyKeys: keys.count,
        sessions: sessions.count,
        rateLimits,
        userTokens: tokens.count,
        webhookDeliveries: deliveries.count,
        webhookAttempts: attempts.count,
      },
      'expired rows deleted',
    );
  },
});
