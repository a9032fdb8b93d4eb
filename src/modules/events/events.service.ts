import { z } from 'zod';
import type { Prisma } from '../../db/prisma.ts';
import { prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Event } from '../../generated/prisma/client.ts';
import { type Actor, type AuthenticatedActor, authorize, type Permission } from '../../lib/actor.ts';
import { AppError, invalidCursor, invalidInput, notFound, notYours } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { likeLiteral } from '../../lib/like.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditWith } from '../audit/index.ts';
import { CreateEventInput, DeleteEventInput, EVENT_STATUSES, timeOrderErrors, UpdateEventInput } from './events.schemas.ts';
import { lockEvent } from './events.sql.ts';

/** What Pothos asks Prisma to load for a field (`...query`), passed through so lists stay one query. */
type EventQuery = { include?: Prisma.EventInclude; select?: Prisma.EventSelect };

export const DEFAULT_TICKET_TYPE = { name: 'General Admission', slug: 'general' } as const;

/**
 * The event `rawId` (TypeID or plain UUID) if the actor may use it for `permission`. Another
 * organisation's event is FORBIDDEN (the REST page documents 403 for it), an unknown one NOT_FOUND.
 */
export async function findAuthorizedEvent(
  deps: Deps,
  options: { actor: Actor; eventId: string; permission: Permission },
): Promise<{ actor: AuthenticatedActor; event: Event }> {
  const actor = authorize(options.actor, options.permission);
  const id = parseId('event', options.eventId);
  const event = id ? await deps.prisma.event.findUnique({ where: { id } }) : null;
  if (!event) throw notFound('Event');
  if (event.organisationId !== actor.organisationId) throw notYours('Event');
  return { actor, event };
}

export async function createEvent(deps: Deps, options: { actor: Actor; input: unknown; query?: EventQuery }): Promise<Event> {
  const actor = authorize(options.actor, 'events:write');
  const input = parseInput(CreateEventInput, options.input);
  const orderErrors = timeOrderErrors(input);
  if (Object.keys(orderErrors).length > 0) throw invalidInput(orderErrors);
  const id = newId('event');
  return await deps.prisma.event.create({
    ...options.query,
    data: {
      ...input,
      id,
      organisationId: actor.organisationId,
      // Every event has a default ticket type, so a registration without ticket_type_slug always has one.
      ticketTypes: { create: { id: newId('ticketType'), ...DEFAULT_TICKET_TYPE, isDefault: true } },
    },
  });
}

export async function updateEvent(deps: Deps, options: { actor: Actor; input: unknown; query?: EventQuery }): Promise<Event> {
  const input = parseInput(UpdateEventInput, options.input);
  const { actor, event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: input.id, permission: 'events:write' });
  const { id: _id, ...changes } = input;
  const orderErrors = timeOrderErrors({ ...event, ...changes });
  if (Object.keys(orderErrors).length > 0) throw invalidInput(orderErrors);
  const updated = await deps.prisma.$transaction(async (tx) => {
    const row = await tx.event.update({ ...options.query, where: { id: event.id }, data: changes });
    await auditWith(tx, actor, 'event.updated', [event.id]);
    return row;
  });
  await deps.caches.events.invalidate(event.id);
  // Seats a raised capacity opened go to whoever waits for them (the registrations feature's waitlist).
  if ('capacity' in changes) await deps.waitlist.fillEvent(event.id);
  return updated;
}

/**
 * Deleting removes the event's attendees too; refused once anyone has registered, unless cancelled first.
 * Decided under the event's row lock: a registration in flight holds a share lock on it until it commits, so
 * the count below sees it, and a registration arriving later waits and then finds the event gone (404).
 */
export async function deleteEvent(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Event> {
  const input = parseInput(DeleteEventInput, options.input);
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: input.id, permission: 'events:write' });
  const deleted = await deps.prisma.$transaction(async (tx) => {
    const locked = await lockEvent(prismaSql(tx), event.id);
    if (!locked) throw notFound('Event');
    const attendees = await tx.attendee.count({ where: { eventId: event.id } });
    if (attendees > 0 && locked.status !== 'CANCELLED') {
      throw new AppError('BAD_USER_INPUT', 'The event has attendees; cancel it instead of deleting it.', {
        fieldErrors: { id: ['The event has attendees; set its status to CANCELLED instead of deleting it.'] },
      });
    }
    return await tx.event.delete({ where: { id: event.id } });
  });
  await deps.caches.events.invalidate(event.id);
  return deleted;
}

export async function getEvent(deps: Deps, options: { actor: Actor; id: string; query?: EventQuery }): Promise<Event> {
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.id, permission: 'events:read' });
  if (!options.query) return event;
  return await deps.prisma.event.findUniqueOrThrow({ ...options.query, where: { id: event.id } });
}

export const EVENT_ORDERS = ['STARTS_AT_ASC', 'STARTS_AT_DESC', 'CREATED_AT_DESC'] as const;

const EVENT_ORDER_BY: Record<(typeof EVENT_ORDERS)[number], Prisma.EventOrderByWithRelationInput[]> = {
  STARTS_AT_ASC: [{ startsAt: 'asc' }, { id: 'asc' }],
  STARTS_AT_DESC: [{ startsAt: 'desc' }, { id: 'desc' }],
  CREATED_AT_DESC: [{ createdAt: 'desc' }, { id: 'desc' }],
};

const EventListInput = z.object({
  status: z.enum(EVENT_STATUSES).nullish(),
  search: z.string().trim().max(200).nullish(),
  orderBy: z.enum(EVENT_ORDERS).nullish(),
});

/** The organisation's events matching `filters` (status; search in name and venue). */
function eventListWhere(actor: AuthenticatedActor, { status, search }: z.output<typeof EventListInput>): Prisma.EventWhereInput {
  return {
    organisationId: actor.organisationId,
    ...(status ? { status } : {}),
    ...(search
      ? { OR: [{ name: { contains: likeLiteral(search), mode: 'insensitive' } }, { venue: { contains: likeLiteral(search), mode: 'insensitive' } }] }
      : {}),
  };
}

/**
 * One page of the organisation's events, by start (default) or newest first. The order ends with the id, so a
 * cursor (an event id of this organisation) positions every order exactly.
 */
export async function listEvents(
  deps: Deps,
  options: { actor: Actor; filters?: unknown; query?: EventQuery & { take?: number; skip?: number; cursor?: Prisma.EventWhereUniqueInput } },
): Promise<Event[]> {
  const actor = authorize(options.actor, 'events:read');
  const filters = parseInput(EventListInput, options.filters ?? {});
  const where = eventListWhere(actor, filters);
  const { orderBy } = filters;
  const after = options.query?.cursor?.id;
  if (after && (await deps.prisma.event.count({ where: { id: after, organisationId: actor.organisationId } })) === 0) throw invalidCursor();
  return await deps.prisma.event.findMany({ ...options.query, where, orderBy: EVENT_ORDER_BY[orderBy ?? 'STARTS_AT_ASC'] });
}

/** How many events the same filters match (an organisation's events are few: an exact count). */
export async function countEvents(deps: Deps, options: { actor: Actor; filters?: unknown }): Promise<number> {
  const actor = authorize(options.actor, 'events:read');
  return await deps.prisma.event.count({ where: eventListWhere(actor, parseInput(EventListInput, options.filters ?? {})) });
}
