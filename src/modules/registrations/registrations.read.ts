import type { Deps } from '../../deps.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { likeLiteral } from '../../lib/like.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, authorize, isTestMode } from '../auth/actor.ts';
import type { AttendeeWithTicketType } from './registrations.present.ts';
import { ListRegistrationsQuery } from './registrations.schemas.ts';
import { findRegistrationEvent, type RegistrationEvent } from './registrations.service.ts';

const DEFAULT_LIMIT = 25;
const ATTENDEE_INCLUDE = { ticketType: { select: { name: true, slug: true } } } as const;

export interface RegistrationPage {
  event: RegistrationEvent;
  attendees: AttendeeWithTicketType[];
  nextCursor: string | null;
}

/**
 * One page of an event's registrations, oldest first, in the caller's mode (a test key sees only test
 * registrations, a live key only live ones). The cursor is opaque: the last row's (registered_at, id).
 */
export async function listRegistrations(deps: Deps, options: { actor: Actor; eventId: string; query: unknown }): Promise<RegistrationPage> {
  const actor = authorize(options.actor, 'attendees:read');
  const query = parseInput(ListRegistrationsQuery, options.query);
  const event = await findRegistrationEvent(deps, { actor, eventId: options.eventId, permission: 'attendees:read' });
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = query.cursor ? decodeCursor(query.cursor) : null;

  const where: Prisma.AttendeeWhereInput = {
    eventId: event.id,
    testMode: isTestMode(actor),
    ...(query.status ? { status: query.status.toUpperCase() as Prisma.AttendeeWhereInput['status'] } : {}),
    ...(query.ticket_type_slug ? { ticketType: { slug: query.ticket_type_slug } } : {}),
    ...(query.email ? { emailNormalized: query.email.trim().toLowerCase() } : {}),
    ...(after ? { OR: [{ registeredAt: { gt: after.registeredAt } }, { registeredAt: after.registeredAt, id: { gt: after.id } }] } : {}),
  };
  const search = query.q?.trim() ? likeLiteral(query.q.trim()) : undefined;
  const rows = await deps.prisma.attendee.findMany({
    where: search
      ? {
          AND: [
            where,
            {
              OR: [
                { firstName: { contains: search, mode: 'insensitive' } },
                { lastName: { contains: search, mode: 'insensitive' } },
                { email: { contains: search, mode: 'insensitive' } },
              ],
            },
          ],
        }
      : where,
    include: ATTENDEE_INCLUDE,
    orderBy: [{ registeredAt: 'asc' }, { id: 'asc' }],
    take: limit + 1,
  });
  const attendees = rows.slice(0, limit);
  const last = attendees.at(-1);
  return { event, attendees, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

export async function getRegistration(
  deps: Deps,
  options: { actor: Actor; eventId: string; attendeeId: string },
): Promise<{ event: RegistrationEvent; attendee: AttendeeWithTicketType }> {
  const actor = authorize(options.actor, 'attendees:read');
  const event = await findRegistrationEvent(deps, { actor, eventId: options.eventId, permission: 'attendees:read' });
  const id = parseId('attendee', options.attendeeId);
  const attendee = id
    ? await deps.prisma.attendee.findFirst({ where: { id, eventId: event.id, testMode: isTestMode(actor) }, include: ATTENDEE_INCLUDE })
    : null;
  if (!attendee) throw notFound('Registration');
  return { event, attendee };
}

function encodeCursor(row: { registeredAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.registeredAt.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { registeredAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const registeredAt = new Date(at);
    if (typeof id === 'string' && !Number.isNaN(registeredAt.getTime())) return { registeredAt, id };
  } catch {
    // Falls through to the validation error.
  }
  throw invalidField('cursor', 'The cursor is invalid; pass next_cursor from the previous page.');
}
