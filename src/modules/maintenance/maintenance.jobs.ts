import { z } from 'zod';
import { defineJob } from '../../jobs/job.ts';
import { deleteExpiredRateLimits } from '../../rest/rate-limit.ts';

/**
 * Hourly housekeeping (pg-boss cron, run by one worker whatever the number of processes): idempotency keys
 * past their 24 h, expired sessions and rate-limit windows that ended an hour ago are deleted, so no table
 * grows without bound.
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
    deps.logger.info({ idempotencyKeys: keys.count, sessions: sessions.count, rateLimits }, 'expired rows deleted');
  },
});
