import { z } from 'zod';
import { defineJob } from '../../jobs/job.ts';

/**
 * Webhooks are sent by the delivery engine (delivery-engine.ts) straight from the deliveries table, written in
 * the transaction that fired the trigger. These two queues remain for jobs a previous version queued, so a
 * rolling deploy loses nothing: a fan-out job still creates its deliveries; a delivery job has nothing left to
 * do (its delivery is due in the table, and the engine sends it).
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
  queue: { retryLimit: 20, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 60, heartbeatSeconds: 10 },
  handler: async (deps, payload) => {
    const { fanOutLegacyEmissions } = await import('./webhook-emit.ts');
    await fanOutLegacyEmissions(deps, payload.emissions);
  },
});

export const legacyDeliveryJob = defineJob({
  name: 'webhooks.deliver',
  payload: z.object({ deliveryId: z.string(), automaticAttempt: z.int().min(1) }),
  handler: async (deps) => {
    const { DELIVERY_QUEUE } = await import('./delivery-engine.ts');
    deps.jobs.wake(DELIVERY_QUEUE);
  },
});
