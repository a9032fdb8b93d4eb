import { randomUUID } from 'node:crypto';
import { attendeeFromRow, type Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, CustomField, Event, Prisma, TicketType } from '../../generated/prisma/client.ts';
import { Batcher, perOwner } from '../../lib/batcher.ts';
import { type AppError, type FieldErrors, forbidden, invalidInput, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { checkInput } from '../../lib/validation.ts';
import { type Actor, authorize, isTestMode } from '../auth/actor.ts';
import { enqueueConfirmationEmails } from '../emails/emails.service.ts';
import { emitTriggers } from '../webhooks/webhook-emit.ts';
import { validateCustomData } from './custom-data.ts';
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

/** A validated registration, ready to be written. */
interface PendingRegistration {
  event: RegistrationEvent;
  ticketType: TicketType;
  columns: ReturnType<typeof attendeeColumns>;
  source: RegistrationSource;
  testMode: boolean;
  apiKeyId: string | null;
  sendEmail: boolean;
  import: { jobId: string; row: number } | null;
}

/**
 * The one way an attendee comes to exist, whatever the source (REST, public form, dashboard, import).
 * Validation first (every problem reported at once); then the write (see insertRegistrations). Registrations
 * arriving together are written together, in one transaction (group commit, see Batcher): each still gets
 * exactly its own answer. A registration with transaction hooks (Idempotency-Key) gets a transaction of its own.
 */
export async function register(deps: Deps, options: RegisterOptions): Promise<Registration> {
  const { event } = options;
  const { input, ticketType, customData } = validateRegistration(event, options.input, options.source);
  const pending: PendingRegistration = {
    event,
    ticketType,
    columns: attendeeColumns({ input, ticketType, customData }),
    source: options.source,
    testMode: options.testMode,
    apiKeyId: options.apiKeyId ?? null,
    // CONTRACT §7: API and form follow the event's settings; dashboard and import send when asked; test mode never.
    sendEmail:
      !options.testMode &&
      (options.source === 'API' ? event.apiConfirmationEmails : options.source === 'FORM' ? event.confirmationEmails : Boolean(options.sendEmail)),
    import: options.import ?? null,
  };

  let registration: Registration;
  if (options.onTransactionStart || options.onTransactionEnd) {
    registration = await deps.jobs.sqlTransaction(async (sql) => {
      await options.onTransactionStart?.(sql);
      const [written] = await insertRegistrations(deps, sql, [pending]);
      if (written instanceof Error) throw written;
      const done = { attendee: { ...written!, ticketType }, event };
      await options.onTransactionEnd?.(sql, done);
      return done;
    });
  } else {
    const attendee = await registrationBatcher(deps).submit(pending);
    registration = { attendee: { ...attendee, ticketType }, event };
  }
  await deps.live.publish({ kind: 'registered', eventId: event.id, attendeeId: registration.attendee.id, testMode: options.testMode });
  return registration;
}

const registrationBatcher = perOwner((deps: Deps) => {
  const writeAlone = (item: PendingRegistration) =>
    deps.jobs
      .sqlTransaction((sql) => insertRegistrations(deps, sql, [item]))
      .then(
        ([result]) => result!,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
  return new Batcher<PendingRegistration, Attendee>(
    async (items) => {
      if (items.length === 1) return [await writeAlone(items[0]!)];
      try {
        return await deps.jobs.sqlTransaction((sql) => insertRegistrations(deps, sql, items));
      } catch (error) {
        // Something one registration alone causes (its event deleted a moment ago, say) must not fail the
        // others: each is written on its own, and only that one gets the error.
        deps.logger.warn({ err: error, registrations: items.length }, 'registration batch failed; writing each on its own');
        return await Promise.all(items.map(writeAlone));
      }
    },
    { maxBatch: 200, concurrency: 2 },
  );
});

const DUPLICATE = () => invalidInput({ email: [DUPLICATE_EMAIL] });

/**
 * Writes validated registrations inside the caller's transaction, in a fixed number of statements whatever
 * their number, and answers for each the attendee or the 422 it is refused with (the others are unaffected):
 * - one registration per email, event and mode: the first of the batch, then the unique index
 *   (ON CONFLICT DO NOTHING waits for a concurrent insert of the same email and skips it if that commits);
 * - capacity, under row locks on the limited events and ticket types (events first, then ticket types, each
 *   in id order: one order, no deadlocks), counted after inserting; registrations past a limit, in arrival
 *   order, are removed again before commit, so concurrent registrations for the last seats serialise and
 *   exactly capacity of them succeed. Cancelled attendees free their seat; test registrations count apart;
 * - attendee.registered for every live attendee (one fan-out job) and the confirmation emails asked for.
 */
async function insertRegistrations(deps: Deps, sql: Sql, items: PendingRegistration[]): Promise<Array<Attendee | AppError>> {
  const results: Array<Attendee | AppError | undefined> = new Array(items.length);
  const limitedEvents = distinct(items.filter((i) => i.event.capacity !== null).map((i) => i.event.id));
  const limitedTicketTypes = distinct(items.filter((i) => i.ticketType.capacity !== null).map((i) => i.ticketType.id));
  if (limitedEvents.length > 0) await sql.query('SELECT id FROM events WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [limitedEvents]);
  if (limitedTicketTypes.length > 0) {
    await sql.query('SELECT id FROM ticket_types WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [limitedTicketTypes]);
  }

  const emailKey = (item: PendingRegistration) => `${item.event.id}\n${item.testMode}\n${item.columns.emailNormalized}`;
  const seen = new Set<string>();
  const candidates: number[] = [];
  items.forEach((item, i) => {
    if (seen.has(emailKey(item))) results[i] = DUPLICATE();
    else {
      seen.add(emailKey(item));
      candidates.push(i);
    }
  });
  // Inserted in unique-key order, so two concurrent batches wait on each other's emails in one order.
  candidates.sort((a, b) => (emailKey(items[a]!) < emailKey(items[b]!) ? -1 : 1));
  const ids = new Map(candidates.map((i) => [i, newId('attendee')]));
  const column = <T>(pick: (item: PendingRegistration, i: number) => T) => candidates.map((i) => pick(items[i]!, i));
  const rows = await sql.query(
    `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized,
       phone, country, qr_token, custom_data, source, test_mode, api_key_id, import_job_id, import_row, updated_at)
     SELECT *, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::uuid[], $12::jsonb[], $13::"RegistrationSource"[], $14::boolean[], $15::text[], $16::text[], $17::int[])
     ON CONFLICT (event_id, test_mode, email_normalized) DO NOTHING
     RETURNING *`,
    [
      column((_, i) => ids.get(i)),
      column((item) => item.event.organisationId),
      column((item) => item.event.id),
      column((item) => item.columns.ticketTypeId),
      column((item) => item.columns.firstName),
      column((item) => item.columns.lastName),
      column((item) => item.columns.email),
      column((item) => item.columns.emailNormalized),
      column((item) => item.columns.phone),
      column((item) => item.columns.country),
      column(() => randomUUID()),
      column((item) => JSON.stringify(item.columns.customData)),
      column((item) => item.source),
      column((item) => item.testMode),
      column((item) => item.apiKeyId),
      column((item) => item.import?.jobId ?? null),
      column((item) => item.import?.row ?? null),
    ],
  );
  const byId = new Map(rows.map((row) => [row.id as string, attendeeFromRow(row)]));
  const inserted: number[] = [];
  for (let i = 0; i < items.length; i++) {
    if (!ids.has(i)) continue;
    const attendee = byId.get(ids.get(i)!);
    if (attendee) {
      results[i] = attendee;
      inserted.push(i);
    } else results[i] = DUPLICATE();
  }

  const refused = await enforceCapacity(sql, items, inserted);
  if (refused.size > 0) {
    await sql.query('DELETE FROM attendees WHERE id = ANY($1::text[])', [[...refused.keys()].map((i) => ids.get(i))]);
    for (const [i, error] of refused) results[i] = error;
  }
  const accepted = inserted.filter((i) => !refused.has(i)).map((i) => ({ item: items[i]!, attendee: results[i] as Attendee }));
  await emitTriggers(
    deps,
    sql,
    accepted.map(({ item, attendee }) => ({ trigger: 'ATTENDEE_REGISTERED', attendee, event: item.event, ticketType: item.ticketType })),
  );
  await enqueueConfirmationEmails(
    deps,
    sql,
    accepted.filter(({ item }) => item.sendEmail).map(({ item, attendee }) => ({ attendee, event: item.event })),
  );
  return results as Array<Attendee | AppError>;
}

/** Which of the just-inserted registrations (indexes, arrival order) are past a limit, and the 422 each gets. */
async function enforceCapacity(sql: Sql, items: PendingRegistration[], inserted: number[]): Promise<Map<number, AppError>> {
  const refused = new Map<number, AppError>();
  const limited = inserted.filter((i) => items[i]!.event.capacity !== null || items[i]!.ticketType.capacity !== null);
  if (limited.length === 0) return refused;
  const eventIds = distinct(limited.filter((i) => items[i]!.event.capacity !== null).map((i) => items[i]!.event.id));
  const ticketTypeIds = distinct(limited.filter((i) => items[i]!.ticketType.capacity !== null).map((i) => items[i]!.ticketType.id));
  const taken = new Map<string, number>();
  const count = async (column: 'event_id' | 'ticket_type_id', ids: string[]) => {
    if (ids.length === 0) return;
    const rows = await sql.query<{ id: string; test_mode: boolean; taken: number }>(
      `SELECT ${column} AS id, test_mode, count(*)::int AS taken FROM attendees
       WHERE ${column} = ANY($1::text[]) AND status <> 'CANCELLED' GROUP BY 1, 2`,
      [ids],
    );
    for (const row of rows) taken.set(`${row.id}\n${row.test_mode}`, row.taken);
  };
  await count('event_id', eventIds);
  await count('ticket_type_id', ticketTypeIds);
  // The counts include this batch's rows; seats go to them in arrival order, and the rest are refused.
  const mine = new Map<string, number>();
  const groups = (item: PendingRegistration) => [
    item.event.capacity !== null ? { key: `${item.event.id}\n${item.testMode}`, capacity: item.event.capacity } : null,
    item.ticketType.capacity !== null ? { key: `${item.ticketType.id}\n${item.testMode}`, capacity: item.ticketType.capacity } : null,
  ];
  for (const i of limited) for (const group of groups(items[i]!)) if (group) mine.set(group.key, (mine.get(group.key) ?? 0) + 1);
  const free = new Map<string, number>();
  for (const i of limited)
    for (const group of groups(items[i]!)) if (group) free.set(group.key, group.capacity - ((taken.get(group.key) ?? 0) - mine.get(group.key)!));
  for (const i of limited) {
    const item = items[i]!;
    const [event, ticketType] = groups(item);
    if (event && free.get(event.key)! <= 0) refused.set(i, invalidInput({ event: ['This event is full.'] }));
    else if (ticketType && free.get(ticketType.key)! <= 0) {
      refused.set(i, invalidInput({ ticket_type_slug: [`Ticket type "${item.ticketType.slug}" is sold out.`] }));
    } else {
      if (event) free.set(event.key, free.get(event.key)! - 1);
      if (ticketType) free.set(ticketType.key, free.get(ticketType.key)! - 1);
    }
  }
  return refused;
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort();
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
 * A seat for an attendee who exists already (a cancelled one coming back, a move to another ticket type),
 * checked under the same row locks as registration (event first, then ticket type), before the change.
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
