import { defineJob } from '../../jobs/job.ts';
import { confirmationEmailQueue, sendConfirmationEmail } from './emails.service.ts';

/**
 * Retries back off from 5 s to 15 min, 12 times: about 1 h 15 min in all, so an SMTP outage delays mail
 * rather than losing it. The last failure marks the email log FAILED.
 */
export const CONFIRMATION_RETRY_LIMIT = 12;

export const confirmationEmailJob = defineJob({
  ...confirmationEmailQueue,
  queue: { retryLimit: CONFIRMATION_RETRY_LIMIT, retryDelay: 5, retryBackoff: true, retryDelayMax: 900, expireInSeconds: 120, heartbeatSeconds: 30 },
  handler: async (deps, payload, job) => {
    await sendConfirmationEmail(deps, { emailLogId: payload.emailLogId, lastAttempt: job.retryCount >= CONFIRMATION_RETRY_LIMIT });
  },
});
