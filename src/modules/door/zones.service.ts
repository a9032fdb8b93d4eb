import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { Zone } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { invalidField, isUniqueViolation, notFound, notYours } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { entityId } from '../../lib/schemas.ts';
import { parseInput } from '../../lib/validation.ts';
import { findAuthorizedEvent } from '../events/index.ts';

const name = z.string().trim().min(1).max(100);
const capacity = z.int().min(0).max(10_000_000).nullish();

const CreateZoneInput = z.strictObject({ eventId: entityId, name, capacity });
const UpdateZoneInput = z.strictObject({ id: entityId, name: name.optional(), capacity });
const ZoneIdInput = z.strictObject({ id: entityId });

const NAME_TAKEN = 'The name has already been taken.';

/** Zones are part of the event's setup: owners and admins. */
export async function createZone(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Zone> {
  const input = parseInput(CreateZoneInput, options.input);
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: input.eventId, permission: 'door:manage' });
  try {
    return await deps.prisma.zone.create({
      data: { id: newId('zone'), organisationId: event.organisationId, eventId: event.id, name: input.name, capacity: input.capacity ?? null },
    });
  } catch (error) {
    if (isUniqueViolation(error, 'zones_event_id_name_key')) throw invalidField('name', NAME_TAKEN);
    throw error;
  }
}

export async function updateZone(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Zone> {
  const input = parseInput(UpdateZoneInput, options.input);
  const zone = await findAuthorizedZone(deps, options.actor, input.id);
  try {
    const updated = await deps.prisma.zone.update({
      where: { id: zone.id },
      data: { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.capacity !== undefined ? { capacity: input.capacity } : {}) },
    });
    await deps.zones.changed(zone.eventId);
    return updated;
  } catch (error) {
    if (isUniqueViolation(error, 'zones_event_id_name_key')) throw invalidField('name', NAME_TAKEN);
    throw error;
  }
}

/** Whoever was inside is inside no zone now (their check-in stays). Returns the deleted zone's id. */
export async function deleteZone(deps: Deps, options: { actor: Actor; input: unknown }): Promise<string> {
  const input = parseInput(ZoneIdInput, options.input);
  const zone = await findAuthorizedZone(deps, options.actor, input.id);
  await deps.prisma.zone.delete({ where: { id: zone.id } });
  await deps.zones.changed(zone.eventId);
  return zone.id;
}

async function findAuthorizedZone(deps: Deps, actor: Actor, rawId: string): Promise<Zone> {
  const authorized = authorize(actor, 'door:manage');
  const id = parseId('zone', rawId);
  const zone = id ? await deps.prisma.zone.findUnique({ where: { id } }) : null;
  if (!zone) throw notFound('Zone');
  if (zone.organisationId !== authorized.organisationId) throw notYours('Zone');
  return zone;
}
