import { z } from 'zod';
import { poolSql, prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, Prisma } from '../../generated/prisma/client.ts';
import { invalidCursor, invalidField, invalidInput, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { COUNT_CAP } from '../../lib/pagination.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditChange } from '../audit/audit.service.ts';
import { type Actor, type AuthenticatedActor, authorize, isTestMode, requireActor } from '../auth/actor.ts';
import { readEventCounts, ticketTypeCounts } from '../events/event-counts.ts';
import { findAuthorizedEvent } from '../events/events.service.ts';
import { attendeeColumns, loadRegistrationEvent, validateRegistration } from '../registrations/registrations.service.ts';
import { lockSeatRows, seatRefusal } from '../registrations/registrations.write.ts';
import { emitTrigger } from '../webhooks/webhook-emit.ts';
import { ATTENDEE_ORDER_SEGMENTS, type AttendeeFilter, type AttendeeOrder, countAttendeesUpTo, lockAttendee, pageAttendeeIds } from './attendees.sql.ts';

export const ATTENDEE_STATUSES = ['REGISTERED', 'CHECKED_IN', 'CANCELLED', 'NO_SHOW'] as const;
export const REGISTRATION_SOURCES = ['API', 'FORM', 'IMPORT', 'DASHBOARD'] as const;
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

/** One attendee; a dashboard user's read is audited (attendee.read). */
export async function getAttendee(deps: Deps, options: { actor: Actor; attendeeId: string; query?: AttendeeQuery }) {
  const { actor, attendee } = await findAuthorizedAttendee(deps, { ...options, permission: 'attendees:read' });
  if (actor.kind === 'user') deps.audit.record(actor, 'attendee.read', attendee.id);
  return options.query ? await deps.prisma.attendee.findUniqueOrThrow({ ...options.query, where: { id: attendee.id } }) : attendee;
}

export const ATTENDEE_ORDERS = Object.keys(ATTENDEE_ORDER_SEGMENTS) as [AttendeeOrder, ...AttendeeOrder[]];

const ListInput = z.object({
  status: z.enum(ATTENDEE_STATUSES).nullish(),
  search: z.string().trim().max(200).nullish(),
  ticketTypeSlug: z.string().trim().max(100).nullish(),
  source: z.enum(REGISTRATION_SOURCES).nullish(),
  checkedIn: z.boolean().nullish(),
  orderBy: z.enum(ATTENDEE_ORDERS).nullish(),
});

/** The event's attendees in the actor's mode matching `filters` (validated; a ticket type named by slug). */
async function attendeeList(deps: Deps, options: { actor: Actor; eventId: string; filters: unknown }) {
  const { actor, event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  const filters = parseInput(ListInput, options.filters ?? {});
  let ticketTypeId: string | null = null;
  if (filters.ticketTypeSlug) {
    const ticketType = await deps.prisma.ticketType.findUnique({ where: { eventId_slug: { eventId: event.id, slug: filters.ticketTypeSlug } } });
    if (!ticketType) throw invalidInput({ ticketTypeSlug: [`The event has no ticket type "${filters.ticketTypeSlug}".`] });
    ticketTypeId = ticketType.id;
  }
  const filter: AttendeeFilter = { ...filters, eventId: event.id, testMode: isTestMode(actor), ticketTypeId, search: filters.search || null };
  return { event, filters, filter };
}

/**
 * One page of an event's attendees for the dashboard, in the actor's mode (test keys: test mode), filtered by
 * status, ticket type, source, checked in or not, and a search over first name, last name and email, in one of
 * ATTENDEE_ORDERS (registration order by default). The page's ids come from one index range (keyset from the
 * cursor row); `query` is Pothos's selection (ticket type, fields…), loaded for those ids, so a page costs the
 * same few statements whatever its size. A dashboard user's page is audited (attendees.listed, the event).
 */
export async function listAttendees(
  deps: Deps,
  options: {
    actor: Actor;
    eventId: string;
    filters: unknown;
    query: AttendeeQuery & { take: number; skip: number; cursor?: Prisma.AttendeeWhereUniqueInput };
  },
): Promise<Attendee[]> {
  const { event, filters, filter } = await attendeeList(deps, options);
  const actor = requireActor(options.actor);
  if (actor.kind === 'user') deps.audit.record(actor, 'attendees.listed', event.id);
  const { take, skip: _skip, cursor, ...selection } = options.query;
  // A cursor is a row id: only one of this list may position it (another organisation's id would reveal its order).
  const ids = await pageAttendeeIds(poolSql(deps), { filter, order: filters.orderBy ?? 'REGISTERED_AT_ASC', take, cursorId: cursor?.id });
  if (!ids) throw invalidCursor();
  if (ids.length === 0) return [];
  const rows = await deps.prisma.attendee.findMany({ ...selection, where: { id: { in: ids } } });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * How many attendees the same filters match. Status, ticket type and checked-in filters are answered from the
 * trigger-kept counters (no count of the event's rows); a search or a source filter counts matching rows, up to
 * COUNT_CAP.
 */
export async function countAttendees(deps: Deps, options: { actor: Actor; eventId: string; filters: unknown }): Promise<number> {
  const { event, filters, filter } = await attendeeList(deps, options);
  if (filter.search || filter.source) return await countAttendeesUpTo(poolSql(deps), filter, COUNT_CAP);
  const counts = (await readEventCounts(poolSql(deps), [event.id], filter.testMode)).get(event.id)!;
  const c = filter.ticketTypeId ? ticketTypeCounts(counts, filter.ticketTypeId) : counts.total;
  const byStatus: Record<(typeof ATTENDEE_STATUSES)[number], number> = {
    REGISTERED: c.registered - c.checkedIn - c.noShow,
    CHECKED_IN: c.checkedIn,
    CANCELLED: c.cancelled,
    NO_SHOW: c.noShow,
  };
  return ATTENDEE_STATUSES.filter(
    (status) => (!filters.status || status === filters.status) && (filters.checkedIn == null || (status === 'CHECKED_IN') === filters.checkedIn),
  ).reduce((sum, status) => sum + byStatus[status], 0);
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
  const { actor, attendee } = await findAuthorizedAttendee(deps, { actor: options.actor, attendeeId, permission: 'attendees:manage' });
  // Erased is final: the person's data comes back only if they register again (a new attendee).
  if (attendee.erasedAt) throw invalidField('attendeeId', 'This attendee’s personal data was erased; it cannot be edited.');
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
      const updated = await tx.attendee.update({ where: { id: attendee.id }, data: attendeeColumns(valid) });
      const fields = changedFields(attendee, updated);
      // The names of what changed, never the values: the audit log holds no personal data.
      if (fields.length > 0) await auditChange(tx, actor, 'attendee.updated', attendee.id, { fields });
      return updated;
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
  const { actor, attendee } = await findAuthorizedAttendee(deps, { actor: options.actor, attendeeId: input.attendeeId, permission: 'attendees:manage' });
  // Erased is final: no status brings the person back (a seat, a ticket, a webhook naming them).
  if (attendee.erasedAt) throw invalidField('attendeeId', 'This attendee’s personal data was erased; their status cannot change.');
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
    await auditChange(tx, actor, 'attendee.status_changed', attendee.id, { from: current.status.toLowerCase(), to: input.status.toLowerCase() });
    return { attendee: changed, changed: true };
  });
  if (outcome.changed) await deps.live.publish({ kind: 'changed', eventId: event.id, attendeeId: attendee.id, testMode: attendee.testMode });
  return outcome.attendee;
}

const EDITABLE = ['firstName', 'lastName', 'email', 'phone', 'country', 'ticketTypeId', 'customData'] as const;

/** The attendee columns an edit changed, by their REST names (first_name, custom_data…). */
function changedFields(before: Attendee, after: Attendee): string[] {
  return EDITABLE.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).map((key) =>
    key === 'ticketTypeId' ? 'ticket_type_slug' : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
  );
}
