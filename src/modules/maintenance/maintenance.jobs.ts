import { z } from 'zod';
import { defineJob } from '../../jobs/job.ts';

/**
 * Hourly housekeeping (pg-boss cron, run by one worker whatever the number of processes): idempotency keys
 * past their 24 h and expired sessions are deleted so neither table grows without bound.
 */
export const cleanupJob = defineJob({
  name: 'maintenance.cleanup',
  payload: z.object({}).passthrough(),
  cron: '17 * * * *',
  handler: async (deps) => {
    const now = new Date();
    const keys = await deps.prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lte: now } } });
    const sessions = await deps.prisma.session.deleteMany({ where: { expiresAt: { lte: now } } });
    deps.logger.info({ idempotencyKeys: keys.count, sessions: sessions.count }, 'expired rows deleted');
  },
});
