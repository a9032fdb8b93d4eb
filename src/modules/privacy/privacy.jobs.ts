import { z } from 'zod';
import { defineJob } from '../../jobs/job.ts';

/**
 * Daily (pg-boss cron, once across all processes): attendees of events past their retention (the event's
 * retentionDays, else the organisation's) are erased everywhere, as erasePersonalData does.
 */
export const retentionJob = defineJob({
  name: 'privacy.retention',
  payload: z.object({}).passthrough(),
  cron: '41 2 * * *',
  queue: { retryLimit: 3, retryDelay: 600, expireInSeconds: 3_600, heartbeatSeconds: 60 },
  handler: async (deps) => {
    const { eraseExpiredAttendees } = await import('./privacy.service.ts');
    const erased = await eraseExpiredAttendees(deps);
    deps.logger.info({ attendeesErased: erased }, 'retention: personal data of past events erased');
  },
});
