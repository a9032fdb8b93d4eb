import type { Db } from '../../db/prisma.ts';
import type { Deps } from '../../deps.ts';
import type { TicketType } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { invalidField, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { findAuthorizedEvent } from '../events/index.ts';
import { CreateTicketTypeInput, DeleteTicketTypeInput, UpdateTicketTypeInput } from './ticket-types.schemas.ts';

const SLUG_TAKEN = 'The slug has already been taken.';

export async function createTicketType(deps: Deps, options: { actor: Actor; input: unknown }): Promise<TicketType> {
  const input = parseInput(CreateTicketTypeInput, options.input);
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: input.eventId, permission: 'events:write' });
  try {
    const created = await deps.prisma.$transaction(async (tx) => {
      if (input.isDefault) await clearDefault(tx, event.id);
      const position = input.position ?? (await tx.ticketType.count({ where: { eventId: event.id } }));
      return await tx.ticketType.create({
        data: {
          id: newId('ticketType'),
          eventId: event.id,
          name: input.name,
          slug: input.slug,
          capacity: input.capacity ?? null,
          isDefault: input.isDefault ?? false,
          position,
          waitlist: input.waitlist ?? 'OFF',
          offerHours: input.offerHours ?? 24,
          requiresApproval: input.requiresApproval ?? false,
          hidden: input.hidden ?? false,
        },
      });
    });
    await deps.caches.events.invalidate(event.id);
    return created;
  } catch (error) {
    if (isUniqueViolation(error, 'ticket_types_event_id_slug_key')) throw invalidField('slug', SLUG_TAKEN);
    throw error;
  }
}

export async function updateTicketType(deps: Deps, options: { actor: Actor; input: unknown }): Promise<TicketType> {
  const input = parseInput(UpdateTicketTypeInput, options.input);
  const ticketType = await findAuthorizedTicketType(deps, options.actor, input.id);
  const { id: _id, isDefault, ...changes } = input;
  try {
    const updated = await deps.prisma.$transaction(async (tx) => {
      if (isDefault && !ticketType.isDefault) await clearDefault(tx, ticketType.eventId);
      return await tx.ticketType.update({ where: { id: ticketType.id }, data: { ...changes, ...(isDefault ? { isDefault } : {}) } });
    });
    await deps.caches.events.invalidate(ticketType.eventId);
    // A raised capacity (or a waitlist switched on or off) may leave seats free while people wait: they get them now.
    if ('capacity' in changes || 'waitlist' in changes) await deps.waitlist.fillEvent(ticketType.eventId);
    return updated;
  } catch (error) {
    if (isUniqueViolation(error, 'ticket_types_event_id_slug_key')) throw invalidField('slug', SLUG_TAKEN);
    throw error;
  }
}

export async function deleteTicketType(deps: Deps, options: { actor: Actor; input: unknown }): Promise<TicketType> {
  const input = parseInput(DeleteTicketTypeInput, options.input);
  const ticketType = await findAuthorizedTicketType(deps, options.actor, input.id);
  if (ticketType.isDefault) {
    throw invalidField('id', 'The default ticket type cannot be deleted; make another ticket type the default first.');
  }
  const holders = await deps.prisma.attendee.count({ where: { ticketTypeId: ticketType.id } });
  if (holders > 0) throw invalidField('id', 'The ticket type has attendees and cannot be deleted.');
  // A code valid only for it would become valid for every type, a quota would count nothing: the organiser decides first.
  const [quotas, codes] = await Promise.all([
    deps.prisma.quota.count({ where: { ticketTypeIds: { has: ticketType.id } } }),
    deps.prisma.accessCode.count({ where: { ticketTypeIds: { has: ticketType.id } } }),
  ]);
  if (quotas > 0 || codes > 0) {
    throw invalidField('id', 'The ticket type is part of a quota or an access code; take it out of them before deleting it.');
  }
  const deleted = await deps.prisma.ticketType.delete({ where: { id: ticketType.id } });
  await deps.caches.events.invalidate(ticketType.eventId);
  return deleted;
}

async function findAuthorizedTicketType(deps: Deps, actor: Actor, rawId: string): Promise<TicketType> {
  const authorized = authorize(actor, 'events:write');
  const id = parseId('ticketType', rawId);
  const ticketType = id ? await deps.prisma.ticketType.findUnique({ where: { id }, include: { event: { select: { organisationId: true } } } }) : null;
  if (!ticketType) throw notFound('Ticket type');
  if (ticketType.event.organisationId !== authorized.organisationId) throw notFound('Ticket type');
  const { event: _event, ...rest } = ticketType;
  return rest;
}

async function clearDefault(tx: Db, eventId: string): Promise<void> {
  await tx.ticketType.updateMany({ where: { eventId, isDefault: true }, data: { isDefault: false } });
}

/**
 * Ticket type ids named by a quota or an access code, each checked to be one of this event's (another event's or
 * organisation's is refused, naming the first such id), as stored ids.
 */
export async function ownTicketTypeIds(deps: Deps, eventId: string, rawIds: readonly string[]): Promise<string[]> {
  const ids = rawIds.map((raw) => parseId('ticketType', raw));
  const found = await deps.prisma.ticketType.findMany({ where: { eventId, id: { in: ids.filter((id): id is string => id !== null) } }, select: { id: true } });
  const known = new Set(found.map((t) => t.id));
  const unknown = rawIds.filter((_, i) => !ids[i] || !known.has(ids[i]!));
  if (unknown.length > 0) throw invalidField('ticketTypeIds', `Ticket type "${unknown[0]}" is not one of this event’s ticket types.`);
  return ids as string[];
}
