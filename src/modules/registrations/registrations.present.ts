import type { Deps } from '../../deps.ts';
import type { CustomField } from '../../generated/prisma/client.ts';
import { type AttendeeWithTicketType, showsTicketCode } from '../attendees/index.ts';
import { qrCodeUrl, ticketContent } from '../qr/index.ts';
import type { AttendeeResponseBody } from './registrations.schemas.ts';

/** "2025-05-12 10:14:00": the seed page's REST time format, always UTC. */
export function restTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * An attendee as REST v1 shows it (the seed's 201 body, field for field). `custom_fields` describes the keys
 * present in custom_data, in the event's field order.
 */
export function presentAttendee(
  deps: Pick<Deps, 'config' | 'secretKey'>,
  attendee: AttendeeWithTicketType,
  fields: readonly Pick<CustomField, 'key' | 'label' | 'type'>[],
  /** Their place in line, shown (as the last key) only while they are waitlisted. */
  waitlistPosition: number | null = null,
): AttendeeResponseBody {
  const customData = (attendee.customData ?? {}) as Record<string, unknown>;
  // No ticket (in line, offered, pending, declined): nothing a door could be shown.
  const ticket = showsTicketCode(attendee.status);
  const body: AttendeeResponseBody = {
    id: attendee.id,
    first_name: attendee.firstName,
    last_name: attendee.lastName,
    email: attendee.email,
    phone: attendee.phone,
    country: attendee.country,
    status: attendee.status.toLowerCase() as AttendeeResponseBody['status'],
    ticket_type: attendee.ticketType.name,
    ticket_type_slug: attendee.ticketType.slug,
    qr_code_url: ticket ? qrCodeUrl(deps, attendee) : null,
    qr_token: ticket ? ticketContent(attendee) : null,
    registered_at: restTime(attendee.registeredAt),
    checked_in_at: attendee.checkedInAt ? restTime(attendee.checkedInAt) : null,
    registration_source: attendee.source.toLowerCase() as AttendeeResponseBody['registration_source'],
    custom_data: customData,
    custom_fields: fields
      .filter((field) => field.key in customData)
      .map((field) => ({ field_key: field.key, field_label: field.label, field_type: field.type.toLowerCase() })),
  };
  // Only for those who registered with a code: everyone else's body stays the seed's, key for key.
  if (attendee.accessCode) body.access_code = attendee.accessCode;
  if (attendee.status === 'WAITLISTED' && waitlistPosition !== null) body.waitlist_position = waitlistPosition;
  return body;
}
