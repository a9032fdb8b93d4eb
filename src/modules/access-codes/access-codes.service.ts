import { randomInt } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { poolSql, prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { AccessCode, Prisma } from '../../generated/prisma/client.ts';
import { type Actor, authorize, isTestMode, requireActor } from '../../lib/actor.ts';
import { invalidCursor, invalidField, invalidInput, isUniqueViolation, notFound, notYours } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { withThousands } from '../../lib/pagination.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditChanges } from '../audit/index.ts';
import { findAuthorizedEvent, lockEventRow, refreshSharedLimits } from '../events/index.ts';
import { ownTicketTypeIds } from '../ticket-types/index.ts';
import {
  CreateAccessCodeInput,
  CreateAccessCodesInput,
  consistencyErrors,
  DeleteAccessCodeInput,
  MAX_CODES_PER_EVENT,
  UpdateAccessCodeInput,
} from './access-codes.schemas.ts';
import { usesOf } from './access-codes.sql.ts';

/**
 * Access codes (CONTRACT §14). What a registration does with a code is decided by the admission engine
 * (registrations.write.ts, under the code's row lock); this is the organiser's side: create (one, or many random ones
 * for a list), change, delete, list and export. Changes that alter held seats are made under the event's row lock
 * and keep `events.shared_limits`; any that may free seats (fewer held, a code disabled or deleted) seat those in line.
 */

const CODE_TAKEN = 'The code has already been taken.';
/** Random codes: no 0/O or 1/I/L to misread from a printed list. 10 characters of 31: about 2^50 codes. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RANDOM_LENGTH = 10;

type Rules = {
  ticketTypeIds?: string[] | null;
  maxUses?: number | null;
  validFrom?: Date | null;
  validUntil?: Date | null;
  reservedSeats?: number | null;
  enabled?: boolean | null;
};

export async function createAccessCode(deps: Deps, options: { actor: Actor; input: unknown }): Promise<AccessCode> {
  const input = parseInput(CreateAccessCodeInput, options.input);
  const [created] = await createCodes(deps, options.actor, input.eventId, input, [input.code ?? randomCode(null)]);
  return created!;
}

export async function createAccessCodes(deps: Deps, options: { actor: Actor; input: unknown }): Promise<AccessCode[]> {
  const input = parseInput(CreateAccessCodesInput, options.input);
  const codes = new Set<string>();
  while (codes.size < input.count) codes.add(randomCode(input.prefix ?? null));
  return await createCodes(deps, options.actor, input.eventId, input, [...codes]);
}

async function createCodes(deps: Deps, rawActor: Actor, eventId: string, rules: Rules, codes: string[]): Promise<AccessCode[]> {
  const errors = consistencyErrors(rules);
  if (Object.keys(errors).length > 0) throw invalidInput(errors);
  const { actor, event } = await findAuthorizedEvent(deps, { actor: rawActor, eventId, permission: 'events:write' });
  const ticketTypeIds = await ownTicketTypeIds(deps, event.id, rules.ticketTypeIds ?? []);
  try {
    const created = await deps.db.transaction(async (tx) => {
      const sql = prismaSql(tx);
      await lockEventRow(sql, event.id);
      if ((await tx.accessCode.count({ where: { eventId: event.id } })) + codes.length > MAX_CODES_PER_EVENT) {
        throw invalidField('eventId', `An event can have at most ${withThousands(MAX_CODES_PER_EVENT)} access codes.`);
      }
      const data = codes.map((code) => ({
        id: newId('accessCode'),
        eventId: event.id,
        code,
        codeNormalized: code.toLowerCase(),
        ticketTypeIds,
        maxUses: rules.maxUses ?? null,
        validFrom: rules.validFrom ?? null,
        validUntil: rules.validUntil ?? null,
        reservedSeats: rules.reservedSeats ?? 0,
        enabled: rules.enabled ?? true,
      }));
      await tx.accessCode.createMany({ data });
      await refreshSharedLimits(sql, event.id);
      await auditChanges(
        sql,
        actor,
        'access_code.created',
        data.map((c) => ({ subjectId: c.id, detail: { eventId: event.id, reservedSeats: c.reservedSeats } })),
      );
      return await tx.accessCode.findMany({ where: { id: { in: data.map((c) => c.id) } }, orderBy: { id: 'asc' } });
    });
    await deps.caches.events.invalidate(event.id);
    return created;
  } catch (error) {
    if (isUniqueViolation(error, 'access_codes_event_id_code_normalized_key')) throw invalidField('code', CODE_TAKEN);
    throw error;
  }
}

export async function updateAccessCode(deps: Deps, options: { actor: Actor; input: unknown }): Promise<AccessCode> {
  const input = parseInput(UpdateAccessCodeInput, options.input);
  const { actor, code } = await findAuthorizedCode(deps, options.actor, input.id);
  const merged = {
    validFrom: input.validFrom === undefined ? code.validFrom : input.validFrom,
    validUntil: input.validUntil === undefined ? code.validUntil : input.validUntil,
    maxUses: input.maxUses === undefined ? code.maxUses : input.maxUses,
    reservedSeats: input.reservedSeats ?? code.reservedSeats,
  };
  const errors = consistencyErrors(merged);
  if (Object.keys(errors).length > 0) throw invalidInput(errors);
  const ticketTypeIds = input.ticketTypeIds === undefined ? undefined : await ownTicketTypeIds(deps, code.eventId, input.ticketTypeIds ?? []);
  const data: Prisma.AccessCodeUpdateInput = {
    ...(input.code !== undefined ? { code: input.code, codeNormalized: input.code.toLowerCase() } : {}),
    ...(ticketTypeIds !== undefined ? { ticketTypeIds } : {}),
    ...(input.maxUses !== undefined ? { maxUses: input.maxUses } : {}),
    ...(input.validFrom !== undefined ? { validFrom: input.validFrom } : {}),
    ...(input.validUntil !== undefined ? { validUntil: input.validUntil } : {}),
    ...(input.reservedSeats !== undefined ? { reservedSeats: input.reservedSeats } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
  };
  try {
    const updated = await deps.db.transaction(async (tx) => {
      const sql = prismaSql(tx);
      await lockEventRow(sql, code.eventId);
      const changed = await tx.accessCode.update({ where: { id: code.id }, data });
      await refreshSharedLimits(sql, code.eventId);
      await auditChanges(sql, actor, 'access_code.updated', [{ subjectId: code.id, detail: { fields: Object.keys(input).filter((k) => k !== 'id') } }]);
      return changed;
    });
    await deps.caches.events.invalidate(code.eventId);
    // Fewer seats held (or none: disabled, expired early, narrowed) may leave seats free while people wait.
    await deps.waitlist.fillEvent(code.eventId);
    return updated;
  } catch (error) {
    if (isUniqueViolation(error, 'access_codes_event_id_code_normalized_key')) throw invalidField('code', CODE_TAKEN);
    throw error;
  }
}

/** Deleted: its held seats are released (those in line get them); who registered with it keep the code's text. */
export async function deleteAccessCode(deps: Deps, options: { actor: Actor; input: unknown }): Promise<AccessCode> {
  const input = parseInput(DeleteAccessCodeInput, options.input);
  const { actor, code } = await findAuthorizedCode(deps, options.actor, input.id);
  await deps.db.transaction(async (tx) => {
    const sql = prismaSql(tx);
    await lockEventRow(sql, code.eventId);
    await tx.accessCode.delete({ where: { id: code.id } });
    await refreshSharedLimits(sql, code.eventId);
    await auditChanges(sql, actor, 'access_code.deleted', [{ subjectId: code.id, detail: { eventId: code.eventId } }]);
  });
  await deps.caches.events.invalidate(code.eventId);
  await deps.waitlist.fillEvent(code.eventId);
  return code;
}

/** An event's codes, oldest first (keyset on id: TypeIDs sort by creation). */
export async function listAccessCodes(
  deps: Deps,
  options: { actor: Actor; eventId: string; query: { take: number; skip: number; cursor?: { id: string } } & Record<string, unknown> },
): Promise<AccessCode[]> {
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'events:write' });
  const after = options.query.cursor?.id;
  if (after && (await deps.prisma.accessCode.count({ where: { eventId: event.id, id: after } })) === 0) throw invalidCursor();
  return await deps.prisma.accessCode.findMany({ ...options.query, where: { eventId: event.id }, orderBy: { id: 'asc' } });
}

export async function countAccessCodes(deps: Deps, options: { actor: Actor; eventId: string }): Promise<number> {
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'events:write' });
  return await deps.prisma.accessCode.count({ where: { eventId: event.id } });
}

/** Uses per code in the caller's mode (GraphQL's usedCount, one statement per page of codes). */
export async function accessCodeUses(deps: Deps, actor: Actor, ids: readonly string[]): Promise<Map<string, number>> {
  return await usesOf(poolSql(deps), ids, isTestMode(requireActor(actor)));
}

const CSV_COLUMNS = ['code', 'ticket_type_slugs', 'max_uses', 'used', 'reserved_seats', 'valid_from', 'valid_until', 'enabled'] as const;

/** The event's codes as CSV with their use (for mail merges and reconciling a list), oldest first. */
export async function accessCodesCsv(deps: Deps, options: { actor: Actor; eventId: string }): Promise<string> {
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'events:write' });
  const [codes, types] = await Promise.all([
    deps.prisma.accessCode.findMany({ where: { eventId: event.id }, orderBy: { id: 'asc' } }),
    deps.prisma.ticketType.findMany({ where: { eventId: event.id }, select: { id: true, slug: true } }),
  ]);
  const slugs = new Map(types.map((t) => [t.id, t.slug]));
  const uses = await accessCodeUses(
    deps,
    options.actor,
    codes.map((c) => c.id),
  );
  return stringify(
    [
      [...CSV_COLUMNS],
      ...codes.map((c) => [
        c.code,
        c.ticketTypeIds.map((id) => slugs.get(id) ?? id).join(';'),
        c.maxUses ?? '',
        uses.get(c.id) ?? 0,
        c.reservedSeats,
        c.validFrom?.toISOString() ?? '',
        c.validUntil?.toISOString() ?? '',
        c.enabled ? 'true' : 'false',
      ]),
    ],
    { escape_formulas: true },
  );
}

function randomCode(prefix: string | null): string {
  let code = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return prefix ? `${prefix}-${code}` : code;
}

async function findAuthorizedCode(deps: Deps, rawActor: Actor, rawId: string) {
  const actor = authorize(rawActor, 'events:write');
  const id = parseId('accessCode', rawId);
  const code = id ? await deps.prisma.accessCode.findUnique({ where: { id }, include: { event: { select: { organisationId: true } } } }) : null;
  if (!code) throw notFound('Access code');
  if (code.event.organisationId !== actor.organisationId) throw notYours('Access code');
  const { event: _event, ...rest } = code;
  return { actor, code: rest };
}
