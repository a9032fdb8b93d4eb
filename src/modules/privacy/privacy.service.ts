import { z } from 'zod';
import { poolSql, prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee } from '../../generated/prisma/client.ts';
import { type Actor, authorize, isTestMode } from '../../lib/actor.ts';
import { notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { findAuthorizedAttendee } from '../attendees/index.ts';
import type { AuditAction, AuditActor } from '../audit/index.ts';
import { EmailSchema } from '../auth/index.ts';
import { findCachedEvent } from '../events/index.ts';
import { type ErasureRequest, eraseInTransaction } from './erasure.ts';
import { eventsPastRetention } from './privacy.sql.ts';

/** An email address (trimmed, lower-cased): a request for anything else is refused before it touches data. */
const EmailInput = z.strictObject({ email: EmailSchema });
const AttendeeInput = z.strictObject({ attendeeId: z.string().trim().min(1).max(64) });

/** Erases and, once committed, deletes the dev-mailbox files. A large erasure gets a minute. */
async function erase(deps: Deps, request: ErasureRequest, audited: { actor: AuditActor; action: AuditAction }): Promise<string[]> {
  const result = await deps.db.transaction((tx) => eraseInTransaction(deps, prismaSql(tx), request, audited), { timeout: 60_000, maxWait: 10_000 });
  for (const done of result.afterCommit) await done();
  return result.attendeeIds;
}

/**
 * A data-subject request: every attendee of the caller's organisation with this email (any case, live and test
 * mode, every event) is erased, with every copy of their data (see eraseInTransaction). OWNER/ADMIN. The audit
 * entry names the email only by its keyed hash.
 */
export async function erasePersonalData(deps: Deps, options: { actor: Actor; input: unknown }): Promise<{ attendeesErased: number }> {
  const actor = authorize(options.actor, 'attendees:manage');
  const { email } = parseInput(EmailInput, options.input);
  const erased = await erase(deps, { organisationId: actor.organisationId, email }, { actor, action: 'attendee.erased' });
  return { attendeesErased: erased.length };
}

/** One attendee erased (dashboard). OWNER/ADMIN. Erasing an erased attendee changes nothing. */
export async function eraseAttendee(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Attendee> {
  const { attendeeId } = parseInput(AttendeeInput, options.input);
  const { actor, attendee } = await findAuthorizedAttendee(deps, { actor: options.actor, attendeeId, permission: 'attendees:manage' });
  await erase(deps, { organisationId: actor.organisationId, attendeeIds: [attendee.id] }, { actor, action: 'attendee.erased' });
  return await deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } });
}

/** REST DELETE …/registrations/{attendee_id}: the key's mode only, the event must be the attendee's. */
export async function eraseRegistration(deps: Deps, options: { actor: Actor; eventId: string; attendeeId: string }): Promise<void> {
  const actor = authorize(options.actor, 'attendees:erase');
  const event = await findCachedEvent(deps, { actor, eventId: options.eventId, permission: 'attendees:erase' });
  const id = parseId('attendee', options.attendeeId);
  const attendee = id ? await deps.prisma.attendee.findFirst({ where: { id, eventId: event.id, testMode: isTestMode(actor) }, select: { id: true } }) : null;
  if (!attendee) throw notFound('Registration');
  await erase(deps, { organisationId: actor.organisationId, attendeeIds: [attendee.id] }, { actor, action: 'attendee.erased' });
}

const RETENTION_BATCH = 500;

/**
 * The daily retention run: attendees of events that ended more than the event's retentionDays (else the
 * organisation's) ago are erased, 500 per transaction, as the system (audit action retention.erased).
 * Returns how many were erased.
 */
export async function eraseExpiredAttendees(deps: Deps, now = deps.clock.now()): Promise<number> {
  const events = await eventsPastRetention(poolSql(deps), now);
  let erased = 0;
  for (const event of events) {
    for (;;) {
      const batch = await deps.prisma.attendee.findMany({
        where: { eventId: event.id, erasedAt: null },
        select: { id: true },
        orderBy: { id: 'asc' },
        take: RETENTION_BATCH,
      });
      if (batch.length === 0) break;
      const ids = await erase(
        deps,
        { organisationId: event.organisation_id, attendeeIds: batch.map((a) => a.id) },
        { actor: { kind: 'system', organisationId: event.organisation_id }, action: 'retention.erased' },
      );
      erased += ids.length;
      if (ids.length === 0) break;
    }
  }
  return erased;
}
