import { z } from 'zod';
import { defineJob } from '../../jobs/job.ts';

/**
 * Enqueued in the registration's own transaction (live mode only), so a committed registration always gets
 * its follow-ups and a rolled-back one none. Webhook fan-out and the confirmation email consume it.
 */
export const attendeeRegisteredJob = defineJob({
  name: 'attendee.registered',
  payload: z.object({ attendeeId: z.string(), sendEmail: z.boolean() }),
  queue: { retryLimit: 10, retryDelay: 5, retryBackoff: true },
  handler: async (deps, payload, job) => {
    // pg-boss records the completed job; the webhook and email features hang their work here.
    deps.logger.debug({ jobId: job.id, attendeeId: payload.attendeeId, sendEmail: payload.sendEmail }, 'attendee.registered follow-ups ran');
  },
});
