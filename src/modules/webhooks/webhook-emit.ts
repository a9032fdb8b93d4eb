import type { Db } from '../../db/prisma.ts';
import { prismaSql, type Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, Event, TicketType } from '../../generated/prisma/client.ts';
import { newId } from '../../lib/ids.ts';
import { DELIVERY_QUEUE } from './delivery-engine.ts';
import { buildWebhookPayload, serializeForEndpoint, TRIGGER_NAMES, type WebhookTriggerEnum } from './webhook-payload.ts';
import { type EnabledEndpoint, enabledEndpointsOf, insertDeliveries, type NewDelivery } from './webhooks.sql.ts';

type TriggerOccurrence = {
  trigger: WebhookTriggerEnum;
  attendee: Attendee;
  event: Pick<Event, 'id' | 'name' | 'organisationId'>;
  ticketType: Pick<TicketType, 'name'>;
};

/**
 * The single way a trigger fires, whatever caused it (API, form, import, dashboard; scan or manual check-in;
 * status change). Call it inside the transaction that made the change: the deliveries are written in it, so
 * they commit or roll back with the change. Test-mode attendees never fire. Use JobQueue's transactions so the
 * delivery engine is woken on commit.
 */
export async function emitTrigger(deps: Deps, tx: Db | Sql, occurrence: TriggerOccurrence): Promise<void> {
  await emitTriggers(deps, tx, [occurrence]);
}

/**
 * Several occurrences of one transaction (a batch of registrations or check-ins): one delivery per occurrence and
 * enabled endpoint of its organisation that listens to the trigger and is scoped to its event or to all events,
 * written in one statement. Which endpoints receive an occurrence is decided here, at commit: an endpoint created
 * a moment later gets nothing; one disabled a moment later still has its delivery (failed, not sent, like every
 * pending delivery of a disabled endpoint — re-enable it and replay). Each delivery belongs to one endpoint of
 * one organisation: nothing another tenant does can fail it. An organisation without webhooks pays one indexed
 * read per transaction — or none, when the caller read the endpoints earlier in the same transaction
 * (`listeners`: enabledEndpointsOf of at least the occurrences' organisations; registrations read them with their
 * locks, in the same round trip).
 */
export async function emitTriggers(deps: Deps, tx: Db | Sql, occurrences: TriggerOccurrence[], listenersRead?: EnabledEndpoint[]): Promise<void> {
  const live = occurrences.filter((o) => !o.attendee.testMode);
  if (live.length === 0) return;
  const sql = '$queryRawUnsafe' in tx ? prismaSql(tx) : tx;
  const listeners = listenersRead ?? (await enabledEndpointsOf(sql, [...new Set(live.map((o) => o.event.organisationId))]));
  if (listeners.length === 0) return;
  const deliveries: NewDelivery[] = [];
  for (const o of live) {
    const endpoints = listeners.filter(
      (l) => l.organisation_id === o.event.organisationId && l.triggers.includes(o.trigger) && (l.event_id === null || l.event_id === o.event.id),
    );
    if (endpoints.length === 0) continue;
    const emissionId = newId('webhookDelivery').replace(/^whd_/, 'emi_');
    const payload = buildWebhookPayload(deps, TRIGGER_NAMES[o.trigger], o.attendee, o.event, o.ticketType);
    for (const endpoint of endpoints) {
      deliveries.push({
        id: newId('webhookDelivery'),
        endpointId: endpoint.id,
        attendeeId: o.attendee.id,
        trigger: o.trigger,
        emissionId,
        payload: serializeForEndpoint(payload, endpoint.selected_fields),
      });
    }
  }
  await insertDeliveries(sql, deliveries);
  if (deliveries.length > 0) deps.jobs.wakeAfterCommit(tx, DELIVERY_QUEUE);
}
