import { z } from 'zod';
import { defineJob } from '../../jobs/job.ts';
import { attemptDelivery } from './webhook-delivery.ts';
import { fanOutEmissions } from './webhook-emit.ts';

/**
 * One per transaction that fired triggers (a registration, or a batch of them): creates a delivery per
 * matching endpoint and emission and queues each first attempt.
 */
export const webhookFanOutJob = defineJob({
  name: 'webhooks.fan-out',
  payload: z.object({
    emissions: z
      .array(
        z.object({
          emissionId: z.string(),
          trigger: z.enum(['ATTENDEE_REGISTERED', 'ATTENDEE_CHECKED_IN', 'ATTENDEE_STATUS_CHANGED']),
          organisationId: z.string(),
          eventId: z.string(),
          attendeeId: z.string(),
          payload: z.record(z.string(), z.unknown()),
        }),
      )
      .min(1),
  }),
  // A worker that dies holding the job stops its heartbeat; the job is retried seconds later.
  queue: { retryLimit: 20, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 60, heartbeatSeconds: 10 },
  handler: async (deps, payload) => {
    await fanOutEmissions(deps, payload.emissions);
  },
});

/**
 * One automatic attempt of one delivery. A failed attempt schedules the next (WEBHOOK_RETRY_DELAYS_MS) as a
 * new job; pg-boss's own retries only cover crashes and database trouble. The job expires (and is retried)
 * well after the HTTP timeout, so a worker killed mid-attempt leads to a retry, not a lost delivery.
 */
export const webhookDeliveryJob = defineJob({
  name: 'webhooks.deliver',
  payload: z.object({ deliveryId: z.string(), automaticAttempt: z.int().min(1) }),
  queue: { retryLimit: 20, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 120, heartbeatSeconds: 10 },
  work: { batchSize: 5, localConcurrency: 4, pollingIntervalSeconds: 0.5 },
  handler: async (deps, payload) => {
    await attemptDelivery(deps, { deliveryId: payload.deliveryId, automaticAttempt: payload.automaticAttempt });
  },
});
