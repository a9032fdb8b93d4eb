import { defineJob } from '../../jobs/job.ts';
import { confirmationEmailQueue, sendConfirmationEmail } from './emails.service.ts';

/**
 * Retries back off from 5 s to 15 min, 12 times: about 1 h 15 min in all, so an SMTP outage delays mail
 * rather than losing it. The last failure marks the email log FAILED.
 */
export const CONFIRMATION_RETRY_LIMIT = 12;

/** An email job is given up on (and retried) after this; SMTP_TIMEOUT_MS must stay below it (config.ts). */
export const EMAIL_JOB_EXPIRY_SECONDS = 120;

/**
 * Four workers per process, each fetching up to 25 emails and sending them at once: a message whose SMTP server
 * stalls holds its own worker until SMTP_TIMEOUT_MS, while the other three go on fetching everyone else's mail.
 * 25, not 10: with 10 the worker sat idle for a quarter of a 2,000-mail burst, waiting on SMTP round trips
 * (npm run bench:mail: 14.6 → 13.1 s).
 */
export const EMAIL_WORK = { batchSize: 25, workers: 4 } as const;

export const confirmationEmailJob = defineJob({
  ...confirmationEmailQueue,
  queue: {
    retryLimit: CONFIRMATION_RETRY_LIMIT,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 900,
    expireInSeconds: EMAIL_JOB_EXPIRY_SECONDS,
    heartbeatSeconds: 30,
  },
  work: EMAIL_WORK,
  handler: async (deps, payload, job) => {
    await sendConfirmationEmail(deps, {
      emailLogId: payload.emailLogId,
      reason: payload.reason,
      lastAttempt: job.retryCount >= CONFIRMATION_RETRY_LIMIT,
      signal: job.signal,
    });
  },
});
