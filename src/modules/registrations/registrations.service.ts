import { randomUUID } from 'node:crypto';
import { type Sql, attendeeFromRow } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { CustomField, Event, Prisma, TicketType } from '../../generated/prisma/client.ts';
import { type FieldErrors, forbidden, invalidInput, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { checkInput } from '../../lib/validation.ts';
import { type Actor, authorize, isTestMode } from '../auth/actor.ts';
import { validateCustomData } from './custom-data.ts';
import { enqueueConfirmationEmail } from '../emails/emails.service.ts';
import { emitTrigger } from '../webhooks/webhook-emit.ts';
import type { AttendeeWithTicketType } from './registrations.present.ts';
import { RegistrationInput, type RegistrationInputData } from './registrations.schemas.ts';

export type RegistrationSource = 'API' | 'FORM' | 'IMPORT' | 'DASHBOARD';

export type RegistrationEvent = Event & { ticketTypes: TicketType[]; customFields: CustomField[] };

export interface Registration {
  attendee: AttendeeWithTicketType;
  event: RegistrationEvent;
}

const DUPLICATE_EMAIL = 'This email has already been registered for this event.';

/** An event with what registering needs (ticket types, fields), if the actor may register attendees for it. */
export async function findRegistrationEvent(
  deps: Deps,
  options: { actor: Actor; eventId: string; permission?: 'attendees:write' | 'attendees:read' },
): Promise<RegistrationEvent> {
  const actor = authorize(options.actor, options.permission ?? 'attendees:write');
  const event = await loadRegistrationEvent(deps, options.eventId);
  if (!event) throw notFound('Event');
  if (event.organisationId !== actor.organisationId) throw forbidden('The event does not belong to your organisation.');
  return event;
}

/** Cached: every change to an event, its ticket types or fields invalidates it (see SharedCache). */
export async function loadRegistrationEvent(deps: Deps, rawEventId: string): Promise<RegistrationEvent | null> {
  const id = parseId('event', rawEventId);
  if (!id) return null;
  return await deps.caches.events.get(id, () =>
    deps.prisma.event.findUnique({
      where: { id },
      include: {
        ticketTypes: { orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] },
        customFields: { orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] },
      },
    }),
  );
}

export interface RegisterOptions {
  event: RegistrationEvent;
  input: unknown;
  source: RegistrationSource;
  /** eg_test_ registrations: their own duplicate/capacity accounting, never an email or a webhook. */
  testMode: boolean;
  apiKeyId?: string | null;
  /** Dashboard and import registrations send the confirmation email only when asked. */
  sendEmail?: boolean;
  import?: { jobId: string; row: number };
  /** Runs first inside the registration's transaction (e.g. to claim an idempotency key). */
  onTransactionStart?: (sql: Sql) => Promise<void>;
  /** Runs last inside the transaction, after the attendee and its jobs (e.g. to store the response to replay). */
  onTransactionEnd?: (sql: Sql, registration: Registration) => Promise<void>;
}

export interface ValidRegistration {
  input: RegistrationInputData;
  ticketType: TicketType;
  customData: Record<string, unknown>;
}

/**
 * The registration rules that need no database: the documented body, custom data against the event's
 * fields, the ticket type, the event's status and window. Every problem is reported at once (422).
 */
export function validateRegistration(
  event: RegistrationEvent,
  rawInput: unknown,
  source: RegistrationSource,
  options: { ignoreEventState?: boolean } = {},
): ValidRegistration {
  const checked = checkInput(RegistrationInput, rawInput);
  const errors: FieldErrors = checked.success ? {} : { ...checked.errors };
  const raw = (rawInput ?? {}) as Record<string, unknown>;

  // Checks against the event run on the raw input too, so one response lists every problem.
  const customData = isPlainObject(raw.custom_data) ? raw.custom_data : {};
  const custom = validateCustomData(customData, event.customFields);
  for (const [key, messages] of Object.entries(custom.errors)) errors[key] ??= messages;
  const slug = checked.success ? checked.data.ticket_type_slug : typeof raw.ticket_type_slug === 'string' ? raw.ticket_type_slug.trim() : null;
  const ticketType = slug ? event.ticketTypes.find((t) => t.slug === slug) : event.ticketTypes.find((t) => t.isDefault);
  if (!ticketType && !errors.ticket_type_slug) errors.ticket_type_slug = [`Ticket type "${slug}" not found.`];
  const closed = options.ignoreEventState ? null : registrationClosedReason(event, source);
  if (closed) errors.event = [closed];
  if (!checked.success || Object.keys(errors).length > 0 || !ticketType) throw invalidInput(errors);
  return { input: checked.data, ticketType, customData: custom.value };
}

/** The attendee columns a valid registration body sets (on create, and on edit from the dashboard). */
export function attendeeColumns(valid: ValidRegistration) {
  return {
    ticketTypeId: valid.ticketType.id,
    firstName: valid.input.first_name,
    lastName: valid.input.last_name,
    email: valid.input.email,
    emailNormalized: valid.input.email.toLowerCase(),
    phone: valid.input.phone ?? null,
    country: valid.input.country ?? null,
    customData: valid.customData as Prisma.InputJsonObject,
  };
}

/**
 * The one way an attendee comes to exist, whatever the source (REST, public form, dashboard, import).
 * Validation first (every problem reported at once); then one transaction that enforces capacity under row
 * locks, relies on the unique index for "one registration per email", and fires attendee.registered.
 */
export async function register(deps: Deps, options: RegisterOptions): Promise<Registration> {
  const { event } = options;
  const { input, ticketType, customData } = validateRegistration(event, options.input, options.source);
  // CONTRACT §7: API and form follow the event's settings; dashboard and import send when asked; test mode never.
  const sendEmail =
    !options.testMode &&
    (options.source === 'API' ? event.apiConfirmationEmails : options.source === 'FORM' ? event.confirmationEmails : Boolean(options.sendEmail));

  const columns = attendeeColumns({ input, ticketType, customData });
  try {
    // Plain SQL: registration is the hottest write path (see src/db/sql.ts).
    const registration = await deps.jobs.sqlTransaction(async (sql) => {
      await options.onTransactionStart?.(sql);
      await claimSeat(sql, { event, ticketType, testMode: options.testMode });
      const [row] = await sql.query(
        `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized,
           phone, country, qr_token, custom_data, source, test_mode, api_key_id, import_job_id, import_row, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::"RegistrationSource", $14, $15, $16, $17, now())
         RETURNING *`,
        [
          newId('attendee'),
          event.organisationId,
          event.id,
          columns.ticketTypeId,
          columns.firstName,
          columns.lastName,
          columns.email,
          columns.emailNormalized,
          columns.phone,
          columns.country,
          randomUUID(),
          JSON.stringify(columns.customData),
          options.source,
          options.testMode,
          options.apiKeyId ?? null,
          options.import?.jobId ?? null,
          options.import?.row ?? null,
        ],
      );
      const attendee = attendeeFromRow(row as Record<string, unknown>);
      await emitTrigger(deps, sql, { trigger: 'ATTENDEE_REGISTERED', attendee, event, ticketType });
      if (sendEmail) await enqueueConfirmationEmail(deps, sql, { attendee, event });
      const registration = { attendee: { ...attendee, ticketType }, event };
      await options.onTransactionEnd?.(sql, registration);
      return registration;
    });
    await deps.live.publish({ kind: 'registered', eventId: event.id, attendeeId: registration.attendee.id, testMode: options.testMode });
    return registration;
  } catch (error) {
    if (isUniqueViolation(error, 'attendees_event_id_test_mode_email_normalized_key')) throw invalidInput({ email: [DUPLICATE_EMAIL] });
    throw error;
  }
}

/** REST, dashboard: the actor's organisation, API keys' mode. */
export async function registerAttendee(
  deps: Deps,
  options: Omit<RegisterOptions, 'event' | 'testMode' | 'apiKeyId'> & { actor: Actor; eventId: string },
): Promise<Registration> {
  const actor = authorize(options.actor, 'attendees:write');
  const event = await findRegistrationEvent(deps, { actor, eventId: options.eventId });
  return await register(deps, {
    ...options,
    event,
    testMode: isTestMode(actor),
    apiKeyId: actor.kind === 'apiKey' ? actor.apiKeyId : null,
  });
}

function registrationClosedReason(event: Event, source: RegistrationSource): string | null {
  if (event.status === 'CANCELLED') return 'This event has been cancelled and no longer accepts registrations.';
  if (event.status === 'DRAFT' && source === 'FORM') return 'This event is not open for registration yet.';
  const now = Date.now();
  if (event.registrationOpensAt && now < event.registrationOpensAt.getTime()) {
    return `Registration for this event opens at ${event.registrationOpensAt.toISOString()}.`;
  }
  const closesAt = event.registrationClosesAt ?? event.endsAt;
  if (now > closesAt.getTime()) return 'Registration for this event is closed.';
  return null;
}

/**
 * Capacity is checked under row locks (event first, then ticket type: one order, no deadlocks), so
 * concurrent registrations for the last seat serialise and exactly capacity of them succeed. Unlimited
 * events take no lock at all. Cancelled attendees free their seat; test registrations count separately.
 */
export async function claimSeat(sql: Sql, options: { event: Event; ticketType: TicketType; testMode: boolean }): Promise<void> {
  const { event, ticketType, testMode } = options;
  if (event.capacity !== null) {
    await sql.query('SELECT id FROM events WHERE id = $1 FOR UPDATE', [event.id]);
    const [row] = await sql.query<{ taken: number }>(
      `SELECT count(*)::int AS taken FROM attendees WHERE event_id = $1 AND test_mode = $2 AND status <> 'CANCELLED'`,
      [event.id, testMode],
    );
    if ((row?.taken ?? 0) >= event.capacity) throw invalidInput({ event: ['This event is full.'] });
  }
  if (ticketType.capacity !== null) {
    await sql.query('SELECT id FROM ticket_types WHERE id = $1 FOR UPDATE', [ticketType.id]);
    const [row] = await sql.query<{ taken: number }>(
      `SELECT count(*)::int AS taken FROM attendees WHERE ticket_type_id = $1 AND test_mode = $2 AND status <> 'CANCELLED'`,
      [ticketType.id, testMode],
    );
    if ((row?.taken ?? 0) >= ticketType.capacity) {
      throw invalidInput({ ticket_type_slug: [`Ticket type "${ticketType.slug}" is sold out.`] });
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
