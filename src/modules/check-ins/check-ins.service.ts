import { z } from 'zod';
import { attendeeFromRow, poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Event } from '../../generated/prisma/client.ts';
import { AppError, invalidField, notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, type AuthenticatedActor, authorize, isTestMode } from '../auth/actor.ts';
import { findRegistrationEvent, loadRegistrationEvent } from '../registrations/registrations.service.ts';
import type { LiveAttendee } from '../live/live-feed.ts';
import { emitTrigger } from '../webhooks/webhook-emit.ts';

export interface CheckInResult {
  attendee: LiveAttendee;
  event: Pick<Event, 'id' | 'name' | 'organisationId'>;
  alreadyCheckedIn: boolean;
}

const CheckInInput = z
  .strictObject({
    qr_token: z.uuid().nullish(),
    attendee_id: z.string().trim().min(1).max(64).nullish(),
    event_id: z.string().trim().min(1).max(64).nullish(),
  })
  .refine((input) => Boolean(input.qr_token) !== Boolean(input.attendee_id), {
    message: 'Send exactly one of qr_token (a scan) and attendee_id (manual check-in).',
    path: ['qr_token'],
  });

const ATTENDEE_INCLUDE = { ticketType: true, event: { select: { id: true, name: true, organisationId: true } } } as const;

/**
 * Checks an attendee in, by QR token (scanner) or attendee id (manual). The first check-in is one
 * conditional UPDATE, so of any number of simultaneous scans exactly one wins; it fires
 * attendee.checked_in in the same transaction and reaches live feeds after commit. A repeat answers
 * `alreadyCheckedIn` with the original time and fires nothing. Cancelled registrations are refused.
 * With `event_id`, a ticket of another event is refused.
 */
export async function checkIn(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CheckInResult> {
  const actor = authorize(options.actor, 'check-ins:write');
  const input = parseInput(CheckInInput, options.input);
  const field = input.qr_token ? 'qr_token' : 'attendee_id';
  // The event (cached, like registration's) when the scanner is scoped to one.
  const scopedEventId = input.event_id ? (await findRegistrationEvent(deps, { actor, eventId: input.event_id, permission: 'attendees:read' })).id : null;

  const attendeeId = input.attendee_id ? parseId('attendee', input.attendee_id) : null;
  // Plain SQL and the cached event: a door scanner is a hot path (see src/db/sql.ts).
  const [row] = input.qr_token
    ? await poolSql(deps).query('SELECT * FROM attendees WHERE qr_token = $1', [input.qr_token])
    : attendeeId
      ? await poolSql(deps).query('SELECT * FROM attendees WHERE id = $1', [attendeeId])
      : [];
  const found = row ? attendeeFromRow(row) : null;
  // Another organisation's ticket, or the other mode's, is as unknown as a made-up one.
  if (!found || found.organisationId !== actor.organisationId || !modeMatches(actor, found.testMode)) {
    throw notFound(input.qr_token ? 'Ticket' : 'Attendee');
  }
  if (scopedEventId && found.eventId !== scopedEventId) throw invalidField(field, 'This ticket is for another event.');
  if (found.status === 'CANCELLED') throw invalidField(field, 'This registration has been cancelled.');
  const event = await loadRegistrationEvent(deps, found.eventId);
  const ticketType = event?.ticketTypes.find((t) => t.id === found.ticketTypeId);
  if (!event || !ticketType) throw notFound('Event');

  const result = await deps.jobs.sqlTransaction(async (sql) => {
    const [updated] = await sql.query(
      `UPDATE attendees SET status = 'CHECKED_IN', checked_in_at = now(), updated_at = now()
       WHERE id = $1 AND status IN ('REGISTERED', 'NO_SHOW') RETURNING *`,
      [found.id],
    );
    if (updated) {
      const attendee = attendeeFromRow(updated);
      await emitTrigger(deps, sql, { trigger: 'ATTENDEE_CHECKED_IN', attendee, event, ticketType });
      return { attendee: { ...attendee, ticketType }, event, alreadyCheckedIn: false };
    }
    const [current] = await sql.query('SELECT * FROM attendees WHERE id = $1', [found.id]);
    const attendee = attendeeFromRow(current as Record<string, unknown>);
    if (attendee.status === 'CANCELLED') throw invalidField(field, 'This registration has been cancelled.');
    return { attendee: { ...attendee, ticketType }, event, alreadyCheckedIn: true };
  });
  if (!result.alreadyCheckedIn) {
    await deps.live.publish({ kind: 'checked_in', eventId: event.id, attendeeId: found.id, testMode: found.testMode });
  }
  return result;
}

/** Back to `registered` (a check-in by mistake); fires attendee.status_changed. */
export async function undoCheckIn(deps: Deps, options: { actor: Actor; input: unknown }): Promise<LiveAttendee> {
  const actor = authorize(options.actor, 'check-ins:write');
  const input = parseInput(z.strictObject({ attendeeId: z.string().trim().min(1).max(64) }), options.input);
  const id = parseId('attendee', input.attendeeId);
  const found = id ? await deps.prisma.attendee.findUnique({ where: { id }, include: ATTENDEE_INCLUDE }) : null;
  if (!found || found.organisationId !== actor.organisationId || !modeMatches(actor, found.testMode)) throw notFound('Attendee');
  const { event } = found;
  const attendee = await deps.jobs.transaction(async (tx) => {
    const updated = await tx.$queryRaw<Array<{ id: string }>>`
      UPDATE attendees SET status = 'REGISTERED', checked_in_at = NULL, updated_at = now()
      WHERE id = ${found.id} AND status = 'CHECKED_IN'
      RETURNING id`;
    if (updated.length === 0) throw new AppError('BAD_USER_INPUT', 'The attendee is not checked in.', { fieldErrors: { attendeeId: ['The attendee is not checked in.'] } });
    const current = await tx.attendee.findUniqueOrThrow({ where: { id: found.id }, include: { ticketType: true } });
    await emitTrigger(deps, tx, { trigger: 'ATTENDEE_STATUS_CHANGED', attendee: current, event, ticketType: current.ticketType });
    return current;
  });
  await deps.live.publish({ kind: 'changed', eventId: event.id, attendeeId: attendee.id, testMode: attendee.testMode });
  return attendee;
}

function modeMatches(actor: AuthenticatedActor, testMode: boolean): boolean {
  return actor.kind === 'user' || isTestMode(actor) === testMode;
}
