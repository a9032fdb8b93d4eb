import type { Db } from '../../db/prisma.ts';
import { prismaSql, type Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, Event, TicketType } from '../../generated/prisma/client.ts';
import { newId } from '../../lib/ids.ts';
import { buildWebhookPayload, serializeForEndpoint, TRIGGER_NAMES, type WebhookPayload, type WebhookTriggerEnum } from './webhook-payload.ts';
import { webhookDeliveryJob, webhookFanOutJob } from './webhooks.jobs.ts';

export interface Emission {
  emissionId: string;
  trigger: WebhookTriggerEnum;
  organisationId: string;
  eventId: string;
  attendeeId: string;
  payload: Record<string, unknown>;
}

type TriggerOccurrence = {
  trigger: WebhookTriggerEnum;
  attendee: Attendee;
  event: Pick<Event, 'id' | 'name' | 'organisationId'>;
  ticketType: Pick<TicketType, 'name'>;
};

/**
 * The single way a trigger fires, whatever caused it (API, form, import, dashboard; scan or manual check-in;
 * status change). Call it inside the transaction that made the change: the fan-out job commits or rolls back
 * with it. Test-mode attendees never fire. Use JobQueue.transaction so workers are woken on commit.
 */
export async function emitTrigger(deps: Deps, tx: Db | Sql, occurrence: TriggerOccurrence): Promise<void> {
  await emitTriggers(deps, tx, [occurrence]);
}

/**
 * Several occurrences of one transaction (a batch of registrations or check-ins): one fan-out job for those
 * that an enabled endpoint listens to. Which endpoints listen is read in the same transaction, so an
 * occurrence is skipped only if no endpoint for it had committed when it was written: it is then ordered
 * before any endpoint created since, exactly as if it had happened a moment earlier. An organisation without
 * webhooks pays one indexed read per transaction, and its workers have nothing to do.
 */
export async function emitTriggers(deps: Deps, tx: Db | Sql, occurrences: TriggerOccurrence[]): Promise<void> {
  const live = occurrences.filter((o) => !o.attendee.testMode);
  if (live.length === 0) return;
  const sql = '$queryRawUnsafe' in tx ? prismaSql(tx) : tx;
  const listeners = await sql.query<{ organisation_id: string; event_id: string | null; triggers: string[] }>(
    'SELECT organisation_id, event_id, triggers::text[] AS triggers FROM webhook_endpoints WHERE organisation_id = ANY($1::text[]) AND enabled',
    [[...new Set(live.map((o) => o.event.organisationId))]],
  );
  const heard = (o: TriggerOccurrence) =>
    listeners.some((l) => l.organisation_id === o.event.organisationId && l.triggers.includes(o.trigger) && (l.event_id === null || l.event_id === o.event.id));
  const emissions: Emission[] = live.filter(heard).map((o) => ({
    emissionId: newId('webhookDelivery').replace(/^whd_/, 'emi_'),
    trigger: o.trigger,
    organisationId: o.event.organisationId,
    eventId: o.event.id,
    attendeeId: o.attendee.id,
    payload: buildWebhookPayload(deps, TRIGGER_NAMES[o.trigger], o.attendee, o.event, o.ticketType),
  }));
  if (emissions.length > 0) await deps.jobs.send(tx, webhookFanOutJob, { emissions });
}

/**
 * Creates one delivery per enabled endpoint of the organisation that listens to the trigger and is scoped to
 * the emission's event or to all events, and queues the first attempt of each, in one transaction.
 * Idempotent: a re-run (after a crash) finds the deliveries of these emissions already there and queues
 * nothing twice.
 */
export async function fanOutEmissions(deps: Deps, emissions: Emission[]): Promise<number> {
  const organisationIds = [...new Set(emissions.map((e) => e.organisationId))];
  const endpoints = await deps.prisma.webhookEndpoint.findMany({
    where: { organisationId: { in: organisationIds }, enabled: true },
    select: { id: true, organisationId: true, eventId: true, triggers: true, selectedFields: true },
  });
  const deliveries = emissions.flatMap((emission) =>
    endpoints
      .filter(
        (endpoint) =>
          endpoint.organisationId === emission.organisationId &&
          endpoint.triggers.includes(emission.trigger) &&
          (endpoint.eventId === null || endpoint.eventId === emission.eventId),
      )
      .map((endpoint) => ({
        id: newId('webhookDelivery'),
        endpointId: endpoint.id,
        attendeeId: emission.attendeeId,
        trigger: emission.trigger,
        emissionId: emission.emissionId,
        payload: serializeForEndpoint(emission.payload as WebhookPayload, endpoint.selectedFields),
        nextAttemptAt: new Date(),
      })),
  );
  if (deliveries.length === 0) return 0;
  return await deps.jobs.transaction(async (tx) => {
    const created = await tx.webhookDelivery.createManyAndReturn({ data: deliveries, skipDuplicates: true, select: { id: true } });
    await deps.jobs.sendMany(
      tx,
      webhookDeliveryJob,
      created.map((delivery) => ({ deliveryId: delivery.id, automaticAttempt: 1 })),
    );
    return created.length;
  });
}
