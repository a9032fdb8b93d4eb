import type { Db } from '../../db/prisma.ts';
import type { Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, Event, TicketType } from '../../generated/prisma/client.ts';
import { newId } from '../../lib/ids.ts';
import { TRIGGER_NAMES, type WebhookPayload, type WebhookTriggerEnum, buildWebhookPayload, serializeForEndpoint } from './webhook-payload.ts';
import { webhookDeliveryJob, webhookFanOutJob } from './webhooks.jobs.ts';

/**
 * The single way a trigger fires, whatever caused it (API, form, import, dashboard; scan or manual check-in;
 * status change). Call it inside the transaction that made the change: the fan-out job commits or rolls back
 * with it. Test-mode attendees never fire. Use JobQueue.transaction so workers are woken on commit.
 */
export async function emitTrigger(
  deps: Deps,
  tx: Db | Sql,
  options: { trigger: WebhookTriggerEnum; attendee: Attendee; event: Pick<Event, 'id' | 'name' | 'organisationId'>; ticketType: Pick<TicketType, 'name'> },
): Promise<void> {
  if (options.attendee.testMode) return;
  const payload = buildWebhookPayload(deps, TRIGGER_NAMES[options.trigger], options.attendee, options.event, options.ticketType);
  await deps.jobs.send(tx, webhookFanOutJob, {
    emissionId: newId('webhookDelivery').replace(/^whd_/, 'emi_'),
    trigger: options.trigger,
    organisationId: options.event.organisationId,
    eventId: options.event.id,
    attendeeId: options.attendee.id,
    payload,
  });
}

/**
 * Creates one delivery per enabled endpoint of the organisation that listens to this trigger and is scoped
 * to this event or to all events, and queues the first attempt of each, in one transaction. Idempotent: a
 * re-run (after a crash) finds the deliveries of this emission already there and queues nothing twice.
 */
export async function fanOutEmission(
  deps: Deps,
  emission: { emissionId: string; trigger: WebhookTriggerEnum; organisationId: string; eventId: string; attendeeId: string; payload: Record<string, unknown> },
): Promise<number> {
  const endpoints = await deps.prisma.webhookEndpoint.findMany({
    where: {
      organisationId: emission.organisationId,
      enabled: true,
      triggers: { has: emission.trigger },
      OR: [{ eventId: null }, { eventId: emission.eventId }],
    },
    select: { id: true, selectedFields: true },
  });
  if (endpoints.length === 0) return 0;
  return await deps.jobs.transaction(async (tx) => {
    const created = await tx.webhookDelivery.createManyAndReturn({
      data: endpoints.map((endpoint) => ({
        id: newId('webhookDelivery'),
        endpointId: endpoint.id,
        attendeeId: emission.attendeeId,
        trigger: emission.trigger,
        emissionId: emission.emissionId,
        payload: serializeForEndpoint(emission.payload as WebhookPayload, endpoint.selectedFields),
        nextAttemptAt: new Date(),
      })),
      skipDuplicates: true,
      select: { id: true },
    });
    for (const delivery of created) await deps.jobs.send(tx, webhookDeliveryJob, { deliveryId: delivery.id, automaticAttempt: 1 });
    return created.length;
  });
}
