import type { Deps } from '../../deps.ts';
import type { Attendee, Event, TicketType } from '../../generated/prisma/client.ts';
import { hasTicket } from '../attendees/index.ts';
import { qrCodeUrl } from '../qr/index.ts';

export type WebhookTriggerName =
  | 'attendee.registered'
  | 'attendee.checked_in'
  | 'attendee.status_changed'
  | 'attendee.scan_conflict'
  | 'attendee.waitlisted'
  | 'attendee.pending_approval';

export const TRIGGER_NAMES = {
  ATTENDEE_REGISTERED: 'attendee.registered',
  ATTENDEE_CHECKED_IN: 'attendee.checked_in',
  ATTENDEE_STATUS_CHANGED: 'attendee.status_changed',
  ATTENDEE_SCAN_CONFLICT: 'attendee.scan_conflict',
  ATTENDEE_WAITLISTED: 'attendee.waitlisted',
  ATTENDEE_PENDING_APPROVAL: 'attendee.pending_approval',
} as const satisfies Record<string, WebhookTriggerName>;

export type WebhookTriggerEnum = keyof typeof TRIGGER_NAMES;

/** The seed page's payload keys, in its order. `selectedFields` may name any of them but `trigger`. */
export const PAYLOAD_FIELDS = [
  'event_id',
  'event_name',
  'attendee_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'country',
  'ticket_type',
  'status',
  'registered_at',
  'checked_in_at',
  'custom_data',
  'qr_code_url',
] as const;

/**
 * Keys sent only to endpoints that select them, after the seed's keys: an endpoint that selects nothing receives the
 * seed's payload exactly. `access_code`: the access code the attendee registered with, or null.
 */
export const OPT_IN_PAYLOAD_FIELDS = ['access_code'] as const;

/** Every key `selectedFields` may name. */
export const SELECTABLE_FIELDS = [...PAYLOAD_FIELDS, ...OPT_IN_PAYLOAD_FIELDS] as const;

export type WebhookPayload = { trigger: WebhookTriggerName } & Record<(typeof PAYLOAD_FIELDS)[number], unknown> &
  Partial<Record<(typeof OPT_IN_PAYLOAD_FIELDS)[number], unknown>>;

/** "2025-05-12T10:14:00+00:00": the seed page's webhook time format. */
export function webhookTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

/** The payload exactly as the seed page shows it, built when the trigger fires (a snapshot of that moment). */
export function buildWebhookPayload(
  deps: Pick<Deps, 'config' | 'secretKey'>,
  trigger: WebhookTriggerName,
  attendee: Attendee,
  event: Pick<Event, 'id' | 'name'>,
  ticketType: Pick<TicketType, 'name'>,
): WebhookPayload {
  return {
    trigger,
    event_id: event.id,
    event_name: event.name,
    attendee_id: attendee.id,
    first_name: attendee.firstName,
    last_name: attendee.lastName,
    email: attendee.email,
    phone: attendee.phone,
    country: attendee.country,
    ticket_type: ticketType.name,
    status: attendee.status.toLowerCase(),
    registered_at: webhookTime(attendee.registeredAt),
    checked_in_at: attendee.checkedInAt ? webhookTime(attendee.checkedInAt) : null,
    custom_data: attendee.customData ?? {},
    // No ticket yet (in line, pending, declined…): no QR code to send anyone.
    qr_code_url: hasTicket(attendee.status) ? qrCodeUrl(deps, attendee) : null,
    access_code: attendee.accessCode,
  };
}

/**
 * The bytes an endpoint receives: its selected fields (plus `trigger`), or everything, always in the seed
 * page's key order (the payload travels through jsonb in the job queue, which does not keep key order).
 */
export function serializeForEndpoint(payload: WebhookPayload, selectedFields: readonly string[]): string {
  const keys = [
    'trigger',
    ...PAYLOAD_FIELDS.filter((key) => selectedFields.length === 0 || selectedFields.includes(key)),
    ...OPT_IN_PAYLOAD_FIELDS.filter((key) => selectedFields.includes(key)),
  ] as const;
  // A payload queued by a version without an opt-in key (a rolling deploy) sends it as null.
  return JSON.stringify(Object.fromEntries(keys.map((key) => [key, payload[key] ?? null])));
}

/** A realistic sample for test pings (the seed page's example, with this endpoint's scope). */
export function samplePayload(event: { id: string; name: string } | null): WebhookPayload {
  return {
    trigger: 'attendee.registered',
    event_id: event?.id ?? 'evt_01HXYZ',
    event_name: event?.name ?? 'Q1 Product Workshop',
    attendee_id: 'att_09BXYZ',
    first_name: 'Sarah',
    last_name: 'Chen',
    email: 'sarah@example.com',
    phone: '+1234567890',
    country: 'US',
    ticket_type: 'General Admission',
    status: 'registered',
    registered_at: '2025-05-12T10:14:00+00:00',
    checked_in_at: null,
    custom_data: { company: 'Acme Corp', job_title: 'Product Manager' },
    qr_code_url: 'https://cdn.eventogate.com/qr/att_09BXYZ.png',
  };
}
