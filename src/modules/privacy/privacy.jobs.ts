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
  // Resumable (500 per transaction; a rerun picks up those not erased yet), so a killed worker's run resumes within a
  // minute: missed heartbeats are noticed after 15 s (plus the supervisor's 5 s), and the retry starts 5 s later.
  queue: { retryLimit: 5, retryDelay: 5, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 3_600, heartbeatSeconds: 15 },
  handler: async (deps) => {
    const { eraseExpiredAttendees } = await import('./privacy.service.ts');
    const erased = await eraseExpiredAttendees(deps);
    deps.logger.info({ attendeesErased: erased }, 'retention: personal data of past events erased');
  },
});
