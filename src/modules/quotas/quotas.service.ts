import { prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Quota } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { invalidField, notFound, notYours } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditChanges } from '../audit/index.ts';
import { findAuthorizedEvent, lockEventRow, refreshSharedLimits } from '../events/index.ts';
import { ownTicketTypeIds } from '../ticket-types/index.ts';
import { CreateQuotaInput, DeleteQuotaInput, MAX_QUOTAS_PER_EVENT, UpdateQuotaInput } from './quotas.schemas.ts';

/**
 * Quotas (CONTRACT §14): "200 seats in the hall" shared by several ticket types. Each change is made under the event's
 * row lock (FOR UPDATE), which every registration of an event with quotas also takes, so a registration counts against
 * the quotas as they were before or after the change, never half of it; `events.shared_limits` says registration must
 * take that lock. A quota grown, shrunk to fewer types or deleted may free seats: those in line get them at once.
 */

export async function createQuota(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Quota> {
  const input = parseInput(CreateQuotaInput, options.input);
  const { actor, event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: input.eventId, permission: 'events:write' });
  const ticketTypeIds = await ownTicketTypeIds(deps, event.id, input.ticketTypeIds);
  const quota = await deps.db.transaction(async (tx) => {
    const sql = prismaSql(tx);
    await lockEventRow(sql, event.id);
    if ((await tx.quota.count({ where: { eventId: event.id } })) >= MAX_QUOTAS_PER_EVENT) {
      throw invalidField('eventId', `An event can have at most ${MAX_QUOTAS_PER_EVENT} quotas.`);
    }
    const created = await tx.quota.create({ data: { id: newId('quota'), eventId: event.id, name: input.name, size: input.size, ticketTypeIds } });
    await refreshSharedLimits(sql, event.id);
    await auditChanges(sql, actor, 'quota.created', [{ subjectId: created.id, detail: { eventId: event.id, size: created.size } }]);
    return created;
  });
  await deps.caches.events.invalidate(event.id);
  return quota;
}

export async function updateQuota(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Quota> {
  const input = parseInput(UpdateQuotaInput, options.input);
  const { actor, quota } = await findAuthorizedQuota(deps, options.actor, input.id);
  const ticketTypeIds = input.ticketTypeIds ? await ownTicketTypeIds(deps, quota.eventId, input.ticketTypeIds) : undefined;
  const updated = await deps.db.transaction(async (tx) => {
    const sql = prismaSql(tx);
    await lockEventRow(sql, quota.eventId);
    const changed = await tx.quota.update({
      where: { id: quota.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.size !== undefined ? { size: input.size } : {}),
        ...(ticketTypeIds ? { ticketTypeIds } : {}),
      },
    });
    const fields = Object.keys(input).filter((k) => k !== 'id');
    await auditChanges(sql, actor, 'quota.updated', [{ subjectId: quota.id, detail: { fields } }]);
    return changed;
  });
  await deps.caches.events.invalidate(quota.eventId);
  // A quota grown (or covering fewer types) may leave seats free while people wait: they get them now.
  await deps.waitlist.fillEvent(quota.eventId);
  return updated;
}

export async function deleteQuota(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Quota> {
  const input = parseInput(DeleteQuotaInput, options.input);
  const { actor, quota } = await findAuthorizedQuota(deps, options.actor, input.id);
  await deps.db.transaction(async (tx) => {
    const sql = prismaSql(tx);
    await lockEventRow(sql, quota.eventId);
    await tx.quota.delete({ where: { id: quota.id } });
    await refreshSharedLimits(sql, quota.eventId);
    await auditChanges(sql, actor, 'quota.deleted', [{ subjectId: quota.id, detail: { eventId: quota.eventId } }]);
  });
  await deps.caches.events.invalidate(quota.eventId);
  await deps.waitlist.fillEvent(quota.eventId);
  return quota;
}

async function findAuthorizedQuota(deps: Deps, rawActor: Actor, rawId: string) {
  const actor = authorize(rawActor, 'events:write');
  const id = parseId('quota', rawId);
  const quota = id ? await deps.prisma.quota.findUnique({ where: { id }, include: { event: { select: { organisationId: true } } } }) : null;
  if (!quota) throw notFound('Quota');
  if (quota.event.organisationId !== actor.organisationId) throw notYours('Quota');
  const { event: _event, ...rest } = quota;
  return { actor, quota: rest };
}

/** Read access for GraphQL's Event.quotas: the event's quotas in creation order. */
export async function listQuotas(deps: Deps, eventId: string): Promise<Quota[]> {
  return await deps.prisma.quota.findMany({ where: { eventId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}
