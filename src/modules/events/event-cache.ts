import type { Deps } from '../../deps.ts';
import type { CustomField, Event, TicketType } from '../../generated/prisma/client.ts';
import { type Actor, authorize, type Permission } from '../../lib/actor.ts';
import { notFound, notYours } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';

/** An event with what registering, checking in and presenting an attendee need: its ticket types and fields, in order. */
export type CachedEvent = Event & { ticketTypes: TicketType[]; customFields: CustomField[] };

/**
 * The event (TypeID or plain UUID) if the actor may use it for `permission`, from the cache: another organisation's
 * event is FORBIDDEN (the REST page documents 403 for it), an unknown one NOT_FOUND.
 */
export async function findCachedEvent(deps: Deps, options: { actor: Actor; eventId: string; permission: Permission }): Promise<CachedEvent> {
  const actor = authorize(options.actor, options.permission);
  const event = await loadCachedEvent(deps, options.eventId);
  if (!event) throw notFound('Event');
  if (event.organisationId !== actor.organisationId) throw notYours('Event');
  return event;
}

/**
 * Cached in every process (hot paths read it on every request): every change to an event, its ticket types or
 * fields invalidates it everywhere (see SharedCache).
 */
export async function loadCachedEvent(deps: Pick<Deps, 'prisma' | 'caches'>, rawEventId: string): Promise<CachedEvent | null> {
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
