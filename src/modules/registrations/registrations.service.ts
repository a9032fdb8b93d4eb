import { isDatabaseBusyOrUnavailable } from '../../db/availability.ts';
import type { Sql } from '../../db/sql.ts';
import { CommittedError } from '../../db/transactions.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, Prisma, TicketType } from '../../generated/prisma/client.ts';
import { type Actor, authorize, isTestMode } from '../../lib/actor.ts';
import { Batcher, eachAloneOnFailure } from '../../lib/batcher.ts';
import { type AppError, type FieldErrors, invalidInput } from '../../lib/errors.ts';
import { checkInput, tooDeepPath } from '../../lib/validation.ts';
import type { AttendeeWithTicketType } from '../attendees/index.ts';
import { type CachedEvent, findCachedEvent } from '../events/index.ts';
import { validateCustomData } from './custom-data.ts';
import { RegistrationInput, type RegistrationInputData } from './registrations.schemas.ts';
import {
  inRegistrationTransaction,
  insertRegistrations,
  type PendingRegistration,
  type RegistrationSource,
  registrationClosedReason,
} from './registrations.write.ts';

export type { RegistrationSource } from './registrations.write.ts';

export interface Registration {
  attendee: AttendeeWithTicketType;
  event: CachedEvent;
  /** Their place in line when the registration was answered, if it put them on the waitlist. */
  waitlistPosition: number | null;
}

export interface RegisterOptions {
  event: CachedEvent;
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
  /**
   * Runs last inside the transaction, with what it decided: the registration (after the attendee and its jobs)
   * or the refusal (a duplicate email, a full event…), e.g. to store the response to replay.
   */
  onTransactionEnd?: (sql: Sql, outcome: Registration | AppError) => Promise<void>;
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
  event: CachedEvent,
  rawInput: unknown,
  source: RegistrationSource,
  /** `now`: the database's time (deps.clock), against the registration window; or the window ignored. */
  options: { now: number } | { ignoreEventState: true },
): ValidRegistration {
  const checked = checkInput(RegistrationInput, rawInput);
  // Too deep to look into: that one error, nothing else is examined.
  if (!checked.success && tooDeepPath(rawInput)) throw invalidInput(checked.errors);
  const errors: FieldErrors = checked.success ? {} : { ...checked.errors };
  const raw = (rawInput ?? {}) as Record<string, unknown>;

  // Checks against the event run on the raw input too, so one response lists every problem.
  const slug = checked.success ? checked.data.ticket_type_slug : typeof raw.ticket_type_slug === 'string' ? raw.ticket_type_slug.trim() : null;
  const ticketType = slug ? event.ticketTypes.find((t) => t.slug === slug) : event.ticketTypes.find((t) => t.isDefault);
  // Which questions are asked depends on the ticket type too.
  const customData = isPlainObject(raw.custom_data) ? raw.custom_data : {};
  const custom = validateCustomData(customData, event.customFields, ticketType?.id ?? null);
  for (const [key, messages] of Object.entries(custom.errors)) errors[key] ??= messages;
  if (!ticketType && !errors.ticket_type_slug) errors.ticket_type_slug = [`Ticket type "${slug}" not found.`];
  const closed = 'ignoreEventState' in options ? null : registrationClosedReason(event, source, options.now);
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
 * A registration validated against the event (every problem reported at once, as a 422) and ready to be
 * written: the columns, and whether a confirmation email goes out (CONTRACT §7: API and form follow the event's
 * settings; dashboard and import send when asked; test mode never).
 */
export function prepareRegistration(options: Omit<RegisterOptions, 'onTransactionStart' | 'onTransactionEnd'> & { now: number }): PendingRegistration {
  const { event } = options;
  const { input, ticketType, customData } = validateRegistration(event, options.input, options.source, { now: options.now });
  return {
    event,
    ticketType,
    columns: attendeeColumns({ input, ticketType, customData }),
    source: options.source,
    testMode: options.testMode,
    apiKeyId: options.apiKeyId ?? null,
    sendEmail:
      !options.testMode &&
      (options.source === 'API' ? event.apiConfirmationEmails : options.source === 'FORM' ? event.confirmationEmails : Boolean(options.sendEmail)),
    import: options.import ?? null,
    accessCode: input.access_code ?? null,
  };
}

/**
 * The one way an attendee comes to exist, whatever the source (REST, public form, dashboard, import).
 * Validation first (every problem reported at once); then the write (see insertRegistrations), which decides
 * status, window and capacity on the locked rows. Registrations arriving together are written together, in one
 * transaction (group commit, see Batcher): each still gets exactly its own answer. A registration with
 * transaction hooks (Idempotency-Key) gets a transaction of its own, and its hooks see the outcome decided in
 * it, a refusal included, so that outcome can be stored with it.
 */
export async function register(deps: Deps, options: RegisterOptions): Promise<Registration> {
  const { event } = options;
  const pending = prepareRegistration({ ...options, now: deps.clock.nowMs() });
  const { ticketType } = pending;

  let registration: Registration;
  if (options.onTransactionStart || options.onTransactionEnd) {
    const outcome = await inRegistrationTransaction(deps, async (sql, exclusive) => {
      await options.onTransactionStart?.(sql);
      const [written] = await insertRegistrations(deps, sql, [pending], exclusive);
      const done = written instanceof Error ? written : { attendee: { ...written!, ticketType }, event, waitlistPosition: positionOf(written!) };
      await options.onTransactionEnd?.(sql, done);
      return done;
    });
    if (outcome instanceof Error) throw outcome;
    registration = outcome;
  } else {
    const attendee = await deps.registrationBatcher.submit(pending);
    registration = { attendee: { ...attendee, ticketType }, event, waitlistPosition: positionOf(attendee) };
  }
  deps.metrics.registrations.inc({ source: options.source.toLowerCase(), mode: options.testMode ? 'test' : 'live' });
  await deps.live.publish({ kind: 'registered', eventId: event.id, attendeeId: registration.attendee.id, testMode: options.testMode });
  return registration;
}

/** A waitlisted attendee's place in line, as the write decided it (insertRegistrations). */
function positionOf(attendee: Attendee): number | null {
  if (attendee.status !== 'WAITLISTED') return null;
  return (attendee as Attendee & { waitlistPosition?: number | null }).waitlistPosition ?? null;
}

/** Registrations arriving together, written together: one transaction per batch, each answered on its own. */
export type RegistrationBatcher = Batcher<PendingRegistration, Attendee>;

/** The process's registration batcher (registrations' services build it once). */
export function createRegistrationBatcher(deps: Deps): RegistrationBatcher {
  return new Batcher<PendingRegistration, Attendee>(
    // Something one registration alone causes must not fail the others: each is then written on its own.
    eachAloneOnFailure(
      (items) => inRegistrationTransaction(deps, (sql, exclusive) => insertRegistrations(deps, sql, items, exclusive, { endsTransaction: true })),
      {
        // A batch whose rows committed before it failed is not written again (CommittedError).
        fatal: (error) => isDatabaseBusyOrUnavailable(error) || error instanceof CommittedError,
        onSplit: (err, registrations) => deps.logger.warn({ err, registrations }, 'registration batch failed; writing each on its own'),
      },
    ),
    // One event's calls per batch, two of its batches at a time, six in all (the pool has 20): an event whose rows
    // someone holds locked waits (at most DATABASE_LOCK_TIMEOUT_MS) in its own two slots, never in the others'.
    { maxBatch: 200, concurrency: 6, key: (item) => item.event.id, concurrencyPerKey: 2, observe: deps.metrics.batches('registrations') },
  );
}

/** REST, dashboard: the actor's organisation, API keys' mode. */
export async function registerAttendee(
  deps: Deps,
  options: Omit<RegisterOptions, 'event' | 'testMode' | 'apiKeyId'> & { actor: Actor; eventId: string },
): Promise<Registration> {
  const actor = authorize(options.actor, 'attendees:write');
  const event = await findCachedEvent(deps, { actor, eventId: options.eventId, permission: 'attendees:write' });
  return await register(deps, {
    ...options,
    event,
    testMode: isTestMode(actor),
    apiKeyId: actor.kind === 'apiKey' ? actor.apiKeyId : null,
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
