import { z } from 'zod';
import { prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, Prisma } from '../../generated/prisma/client.ts';
import { invalidCursor, invalidInput, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, type AuthenticatedActor, authorize, isTestMode } from '../auth/actor.ts';
import { findAuthorizedEvent } from '../events/events.service.ts';
import { attendeeColumns, loadRegistrationEvent, validateRegistration } from '../registrations/registrations.service.ts';
import { lockSeatRows, seatRefusal } from '../registrations/registrations.write.ts';
import { emitTrigger } from '../webhooks/webhook-emit.ts';
import { lockAttendee } from './attendees.sql.ts';

export const ATTENDEE_STATUSES = ['REGISTERED', 'CHECKED_IN', 'CANCELLED', 'NO_SHOW'] as const;
type AttendeeQuery = { include?: Prisma.AttendeeInclude; select?: Prisma.AttendeeSelect };

/** An attendee the actor may see (its organisation; an API key sees only its own mode). */
export async function findAuthorizedAttendee(
  deps: Deps,
  options: { actor: Actor; attendeeId: string; permission: 'attendees:read' | 'attendees:manage' },
): Promise<{ actor: AuthenticatedActor; attendee: Attendee }> {
  const actor = authorize(options.actor, options.permission);
  const id = parseId('attendee', options.attendeeId);
  const attendee = id ? await deps.prisma.attendee.findUnique({ where: { id } }) : null;
  if (!attendee || (actor.kind === 'apiKey' && isTestMode(actor) !== attendee.testMode)) throw notFound('Attendee');
  if (attendee.organisationId !== actor.organisationId) throw notFound('Attendee');
  return { actor, attendee };
}

export async function getAttendee(deps: Deps, options: { actor: Actor; attendeeId: string; query?: AttendeeQuery }) {
  const { attendee } = await findAuthorizedAttendee(deps, { ...options, permission: 'attendees:read' });
  return options.query ? await deps.prisma.attendee.findUniqueOrThrow({ ...options.query, where: { id: attendee.id } }) : attendee;
}

const ListInput = z.object({
  status: z.enum(ATTENDEE_STATUSES).nullish(),
  search: z.string().trim().max(200).nullish(),
});

/**
 * One page of an event's attendees for the dashboard: registration order, live mode (test keys: test mode),
 * filtered by status and by a search over first name, last name and email. `query` is Pothos's selection
 * (ticket type, fields…), spread in so a page costs the same few statements whatever its size.
 */
export async function listAttendees(
  deps: Deps,
  options: {
    actor: Actor;
    eventId: string;
    filters: unknown;
    query: AttendeeQuery & { take?: number; skip?: number; cursor?: Prisma.AttendeeWhereUniqueInput };
  },
) {
  const { actor, event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  const filters = parseInput(ListInput, options.filters);
  const search = filters.search || null;
  // A cursor is a row id: only one of this list may position it (another organisation's id would reveal its order).
  const after = options.query.cursor?.id;
  if (after && (await deps.prisma.attendee.count({ where: { id: after, eventId: event.id, testMode: isTestMode(actor) } })) === 0) throw invalidCursor();
  return await deps.prisma.attendee.findMany({
    ...options.query,
    where: {
      eventId: event.id,
      testMode: isTestMode(actor),
      ...(filters.status ? { status: filters.status } : {}),
      ...(search
        ? {
            OR: [
              { firstName: { contains: search, mode: 'insensitive' } },
              { lastName: { contains: search, mode: 'insensitive' } },
              { email: { contains: search, mode: 'insensitive' } },
            ],
          }
        : {}),
    },
    orderBy: [{ registeredAt: 'asc' }, { id: 'asc' }],
  });
}

const UpdateInput = z.strictObject({
  attendeeId: z.string().trim().min(1).max(64),
  first_name: z.unknown().optional(),
  last_name: z.unknown().optional(),
  email: z.unknown().optional(),
  phone: z.unknown().optional(),
  country: z.unknown().optional(),
  ticket_type_slug: z.unknown().optional(),
  custom_data: z.unknown().optional(),
});

/**
 * Edits an attendee under the registration rules (same validation, same email uniqueness per event and
 * mode, capacity of a new ticket type, decided under the same locks as registration). Input keys are the REST
 * ones; GraphQL maps its own.
 */
export async function updateAttendee(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Attendee> {
  const { attendeeId, ...changes } = parseInput(UpdateInput, options.input);
  const { attendee } = await findAuthorizedAttendee(deps, { actor: options.actor, attendeeId, permission: 'attendees:manage' });
  const event = await loadRegistrationEvent(deps, attendee.eventId);
  if (!event) throw notFound('Attendee');
  const currentType = event.ticketTypes.find((t) => t.id === attendee.ticketTypeId);
  const merged = {
    first_name: attendee.firstName,
    last_name: attendee.lastName,
    email: attendee.email,
    phone: attendee.phone,
    country: attendee.country,
    ticket_type_slug: currentType?.slug,
    custom_data: attendee.customData,
    ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
  };
  // The registration rules, but an event that has closed (or was cancelled) can still have its attendees edited.
  const valid = validateRegistration(event, merged, 'DASHBOARD', { ignoreEventState: true });
  const { ticketType } = valid;
  try {
    return await deps.jobs.transaction(async (tx) => {
      const sql = prismaSql(tx);
      const seat = await lockSeatRows(sql, { eventId: event.id, ticketTypeId: ticketType.id });
      const current = await lockAttendee(sql, attendee.id);
      if (!current) throw notFound('Attendee');
      if (ticketType.id !== current.ticket_type_id && current.status !== 'CANCELLED') {
        const refusal = await seatRefusal(sql, { ...seat, slug: ticketType.slug, testMode: attendee.testMode, countEvent: false });
        if (refusal) throw refusal;
      }
      return await tx.attendee.update({ where: { id: attendee.id }, data: attendeeColumns(valid) });
    });
  } catch (error) {
    if (isUniqueViolation(error, 'attendees_event_id_test_mode_email_normalized_key')) {
      throw invalidInput({ email: ['This email has already been registered for this event.'] });
    }
    throw error;
  }
}

const StatusInput = z.strictObject({ attendeeId: z.string().trim().min(1).max(64), status: z.enum(ATTENDEE_STATUSES) });

/**
 * A status change made in the dashboard. Decided under the attendee's row lock, on its current status: of any
 * number of simultaneous identical changes exactly one happens and fires attendee.status_changed; the others
 * change nothing and fire nothing. Leaving CANCELLED takes a seat again, counted under the event's and ticket
 * type's locks (registration's order), so a freed seat goes to exactly one taker.
 */
export async function setAttendeeStatus(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Attendee> {
  const input = parseInput(StatusInput, options.input);
  const { attendee } = await findAuthorizedAttendee(deps, { actor: options.actor, attendeeId: input.attendeeId, permission: 'attendees:manage' });
  const event = await loadRegistrationEvent(deps, attendee.eventId);
  const ticketType = event?.ticketTypes.find((t) => t.id === attendee.ticketTypeId);
  if (!event || !ticketType) throw notFound('Attendee');
  const outcome = await deps.jobs.transaction(async (tx) => {
    const sql = prismaSql(tx);
    const seat = await lockSeatRows(sql, { eventId: event.id, ticketTypeId: ticketType.id });
    const current = await lockAttendee(sql, attendee.id);
    if (!current) throw notFound('Attendee');
    if (current.status === input.status) return { attendee: await tx.attendee.findUniqueOrThrow({ where: { id: attendee.id } }), changed: false };
    if (current.status === 'CANCELLED') {
      const refusal = await seatRefusal(sql, { ...seat, slug: ticketType.slug, testMode: attendee.testMode, countEvent: true });
      if (refusal) throw refusal;
    }
    const changed = await tx.attendee.update({
      where: { id: attendee.id },
      data: {
        status: input.status,
        checkedInAt: input.status === 'CHECKED_IN' ? (current.checked_in_at ?? new Date()) : null,
      },
    });
    await emitTrigger(deps, tx, { trigger: 'ATTENDEE_STATUS_CHANGED', attendee: changed, event, ticketType });
    return { attendee: changed, changed: true };
  });
  if (outcome.changed) await deps.live.publish({ kind: 'changed', eventId: event.id, attendeeId: attendee.id, testMode: attendee.testMode });
  return outcome.attendee;
}
