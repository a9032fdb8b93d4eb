import { z } from 'zod';
import { isCountryCode } from '../../lib/countries.ts';

/**
 * The documented request body of POST /v1/events/{event_id}/registrations (seed page "Request Body"), used
 * by every registration source. Messages follow Laravel's wording, as the page's error examples do, and
 * errors come in this key order (email first, as in the page's 422 example).
 */
const requiredName = z.string().trim().min(1).max(100);
/** An optional string: null, absent or blank all mean "not given". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : v), schema.nullish());

export const RegistrationInput = z
  .strictObject({
    email: z.string().trim().min(1).max(254).pipe(z.email()).meta({ description: 'Email address — must be unique per event', example: 'sarah@example.com' }),
    first_name: requiredName.meta({ description: 'Attendee first name (max 100 chars)', example: 'Sarah' }),
    last_name: requiredName.meta({ description: 'Attendee last name (max 100 chars)', example: 'Chen' }),
    phone: optional(z.string().trim().max(30)).meta({ description: 'Phone number (max 30 chars)', example: '+1234567890' }),
    country: optional(
      z
        .string()
        .trim()
        .transform((c) => c.toUpperCase())
        .refine(isCountryCode, { message: 'The :attribute field must be an ISO 3166-1 alpha-2 country code (e.g. US, GB).' }),
    ).meta({ description: 'ISO 3166-1 alpha-2 country code (e.g. US, GB)', example: 'US' }),
    ticket_type_slug: optional(z.string().trim().max(64)).meta({
      description: 'Slug of the ticket type to assign; the event’s default ticket type when omitted',
      example: 'general',
    }),
    custom_data: z
      .record(z.string().max(64), z.unknown())
      .nullish()
      .meta({ description: 'Key-value pairs for custom registration fields', example: { company: 'Acme Corp', job_title: 'Product Manager' } }),
    access_code: optional(z.string().trim().max(64)).meta({
      description:
        'An access code from the organiser (case-insensitive): unlocks hidden ticket types and the seats held for its holders. Refused with a ' +
        '422 on access_code: "The access code is invalid.", "The access code is not valid yet.", "The access code has expired.", ' +
        '"The access code has been used up.", "The access code is not valid for this ticket type."',
      example: 'SPEAKER-2025',
    }),
  })
  .meta({ id: 'RegistrationRequest' });

export type RegistrationInputData = z.output<typeof RegistrationInput>;

export const ATTENDEE_STATUSES = ['registered', 'checked_in', 'cancelled', 'no_show', 'waitlisted', 'offered', 'pending_approval', 'declined'] as const;
export const REGISTRATION_SOURCES = ['api', 'form', 'import', 'dashboard'] as const;

/** The 201 body (and every other place an attendee is shown over REST). */
export const AttendeeResponse = z
  .object({
    id: z.string().meta({ example: 'att_01jd9q3z8ne7fbk1t4q2ga3c5x' }),
    first_name: z.string(),
    last_name: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    country: z.string().nullable(),
    status: z.enum(ATTENDEE_STATUSES).meta({
      description:
        'registered, checked_in, no_show: holds a ticket. waitlisted: in line for a full ticket type (see waitlist_position). offered: a ' +
        'freed seat is held for them until they claim it from the emailed link. pending_approval: awaits the organiser. declined, cancelled.',
    }),
    ticket_type: z.string().meta({ description: 'Ticket type name', example: 'General Admission' }),
    ticket_type_slug: z.string(),
    qr_code_url: z.string().nullable().meta({
      description: 'PNG of the QR code that encodes qr_token; null while they hold no ticket (waitlisted, offered, pending_approval, declined, cancelled)',
    }),
    qr_token: z
      .string()
      .nullable()
      .meta({ description: 'What the QR code carries; scanned at the door. Null while they hold no ticket', example: '3f4a9b2c-6f0e-4d8a-9c41-2b7d5e9a1f03' }),
    registered_at: z.string().meta({ description: 'UTC, "YYYY-MM-DD HH:MM:SS"', example: '2025-05-12 10:14:00' }),
    checked_in_at: z.string().nullable().meta({ description: 'UTC, "YYYY-MM-DD HH:MM:SS"' }),
    registration_source: z.enum(REGISTRATION_SOURCES),
    custom_data: z.record(z.string(), z.unknown()),
    custom_fields: z
      .array(z.object({ field_key: z.string(), field_label: z.string(), field_type: z.string() }))
      .meta({ description: 'Definitions of the custom fields present in custom_data' }),
    access_code: z.string().optional().meta({ description: 'Only for attendees who registered with an access code: that code' }),
    waitlist_position: z.int().min(1).optional().meta({ description: 'Only while status is "waitlisted": their place in the ticket type’s line (1 = next)' }),
  })
  .meta({ id: 'Attendee' });

export type AttendeeResponseBody = z.output<typeof AttendeeResponse>;

export const ListRegistrationsQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d+$/, { message: 'The :attribute field must be an integer.' })
    .transform(Number)
    .pipe(z.int().min(1).max(100))
    .optional()
    .meta({ description: '1–100, default 25' }),
  cursor: z.string().max(200).optional().meta({ description: 'next_cursor from the previous page' }),
  status: z.enum(ATTENDEE_STATUSES).optional(),
  ticket_type_slug: z.string().max(64).optional(),
  email: z.string().max(254).optional().meta({ description: 'Exact email, case-insensitive' }),
  q: z.string().max(200).optional().meta({ description: 'Search in first name, last name and email' }),
});

export const RegistrationList = z.object({ data: z.array(AttendeeResponse), next_cursor: z.string().nullable() }).meta({ id: 'RegistrationList' });
