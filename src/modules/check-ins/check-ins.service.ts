import { z } from 'zod';
import { poolSql, prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { type Actor, type AuthenticatedActor, authorize, isTestMode } from '../../lib/actor.ts';
import { AppError, invalidField, notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditChange } from '../audit/index.ts';
import { decideAtDoor, isUuid, looksSigned, type Movement, verifyTicketCode, type ZoneName } from '../door/index.ts';
import { type CachedEvent, findCachedEvent, loadCachedEvent } from '../events/index.ts';
import type { LiveAttendee } from '../live/index.ts';
import { emitTrigger } from '../webhooks/index.ts';
import { findTicketHolder, undoFirstEntry } from './check-ins.sql.ts';

export interface CheckInResult {
  attendee: LiveAttendee;
  /** The attendee's event as registration caches it (with its fields, which REST needs to present it). */
  event: CachedEvent;
  alreadyCheckedIn: boolean;
  /** Only for scans that name a zone or a direction (the door's additions to the seed's answer). */
  door?: { zone: (ZoneName & { insideNow: number }) | null; movement: Movement | null };
}

const CheckInInput = z
  .strictObject({
    // A random qr_token (UUID) or a signed code (eg1.…, events with signed ticket codes).
    qr_token: z
      .string()
      .max(600)
      .refine((code) => isUuid(code) || looksSigned(code), { message: 'The :attribute field must be a valid UUID.' })
      .nullish(),
    attendee_id: z.string().trim().min(1).max(64).nullish(),
    event_id: z.string().trim().min(1).max(64).nullish(),
    zone_id: z.string().trim().min(1).max(64).nullish(),
    direction: z.enum(['in', 'out']).nullish(),
  })
  .refine((input) => Boolean(input.qr_token) !== Boolean(input.attendee_id), {
    message: 'Send exactly one of qr_token (a scan) and attendee_id (manual check-in).',
    path: ['qr_token'],
  })
  .refine((input) => !input.zone_id || input.event_id, { message: 'The event id field is required with a zone.', path: ['event_id'] });

/** Erased is final (README, Privacy): no check-in brings the person back into the scan log as present. */
const ERASED = 'This attendee’s personal data was erased; they cannot be checked in.';

const ATTENDEE_INCLUDE = { ticketType: true, event: { select: { id: true, name: true, organisationId: true } } } as const;

/**
 * Checks an attendee in, by QR token or signed code (a scan) or attendee id (manual). Every check-in is a door scan
 * (door.service.ts: one engine for REST, GraphQL, the desk and devices), without a zone unless one is named: the
 * first entry is the check-in, decided on the locked row so of any number of simultaneous scans exactly one wins;
 * it fires attendee.checked_in in the same transaction and reaches live feeds after commit. A repeat answers
 * `alreadyCheckedIn` with the original time and fires nothing. Cancelled and erased registrations are refused;
 * with `event_id`, so is a ticket of another event. Every scan whose event is known is logged.
 */
export async function checkIn(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CheckInResult> {
  const actor = authorize(options.actor, 'check-ins:write');
  const input = parseInput(CheckInInput, options.input);
  const field = input.qr_token ? 'qr_token' : 'attendee_id';
  const unknown = () => notFound(input.qr_token ? 'Ticket' : 'Attendee');
  // The event (cached, like registration's) when the scanner is scoped to one.
  const scopedEvent = input.event_id ? await findCachedEvent(deps, { actor, eventId: input.event_id, permission: 'attendees:read' }) : null;
  const attendeeId = input.attendee_id ? (parseId('attendee', input.attendee_id) ?? '') : null;
  let event = scopedEvent;
  let testMode = isTestMode(actor);
  if (input.qr_token && looksSigned(input.qr_token)) {
    // A signed code names its event.
    const payload = await verifyTicketCode(deps, input.qr_token);
    event ??= payload ? await loadCachedEvent(deps, payload.e) : null;
  } else if (!scopedEvent || actor.kind === 'user') {
    // Which event, and (for a dashboard user, who works in both modes) which mode the ticket is of.
    const holder = await findTicketHolder(poolSql(deps), { qrToken: input.qr_token ?? null, attendeeId });
    const known = holder && holder.organisationId === actor.organisationId && (actor.kind === 'user' || holder.testMode === testMode) ? holder : null;
    if (known && actor.kind === 'user') testMode = known.testMode;
    event ??= known ? await loadCachedEvent(deps, known.eventId) : null;
  }
  if (!event || event.organisationId !== actor.organisationId) throw unknown();
  // Direction and zone are the door's, for a scanner scoped to an event; without one a scan is a plain check-in.
  const atDoor = Boolean(scopedEvent && (input.zone_id || input.direction));
  const zoneId = input.zone_id ? parseId('zone', input.zone_id) : null;
  const { decision, insideNow } = await decideAtDoor(deps, {
    context: { organisationId: actor.organisationId, testMode, event, source: actor.kind === 'apiKey' ? 'api' : 'dashboard' },
    scan: {
      code: input.qr_token ?? null,
      attendeeId,
      zoneId,
      direction: atDoor && input.direction === 'out' ? 'OUT' : 'IN',
      scannedAt: null,
      deviceId: null,
      nonce: null,
      payloadHash: null,
      offline: false,
    },
    zoneInput: input.zone_id ?? null,
  });
  const { attendee, reason } = decision;
  if (reason === 'other_event') throw invalidField(field, 'This ticket is for another event.');
  if (reason === 'unknown_ticket' || reason === 'invalid_code' || !attendee) throw unknown();
  if (reason === 'cancelled') throw invalidField(field, 'This registration has been cancelled.');
  if (reason === 'erased') throw invalidField(field, ERASED);
  if (reason === 'waitlisted') throw invalidField(field, 'This person is on the waitlist and has no ticket yet.');
  if (reason === 'offered') throw invalidField(field, 'This person was offered a seat but has not claimed it yet; they have no ticket.');
  if (reason === 'pending_approval') throw invalidField(field, 'This registration awaits the organiser’s approval; it has no ticket yet.');
  if (reason === 'declined') throw invalidField(field, 'This registration was declined; it has no ticket.');
  return {
    attendee,
    event,
    alreadyCheckedIn: !decision.checkedIn && attendee.status === 'CHECKED_IN',
    ...(atDoor ? { door: { zone: decision.zone ? { ...decision.zone, insideNow: insideNow ?? 0 } : null, movement: decision.movement } } : {}),
  };
}

/** Back to `registered` (a check-in by mistake); fires attendee.status_changed. */
export async function undoCheckIn(deps: Deps, options: { actor: Actor; input: unknown }): Promise<LiveAttendee> {
  // Door staff check in; correcting a check-in is for owners and admins.
  const actor = authorize(options.actor, 'check-ins:undo');
  const input = parseInput(z.strictObject({ attendeeId: z.string().trim().min(1).max(64) }), options.input);
  const id = parseId('attendee', input.attendeeId);
  const found = id ? await deps.prisma.attendee.findUnique({ where: { id }, include: ATTENDEE_INCLUDE }) : null;
  if (!found || found.organisationId !== actor.organisationId || !modeMatches(actor, found.testMode)) throw notFound('Attendee');
  if (found.erasedAt) throw invalidField('attendeeId', 'This attendee’s personal data was erased; their status cannot change.');
  const { event } = found;
  const attendee = await deps.db.transaction(async (tx) => {
    if (!(await undoFirstEntry(prismaSql(tx), found.id)))
      throw new AppError('BAD_USER_INPUT', 'The attendee is not checked in.', { fieldErrors: { attendeeId: ['The attendee is not checked in.'] } });
    const current = await tx.attendee.findUniqueOrThrow({ where: { id: found.id }, include: { ticketType: true } });
    await emitTrigger(deps, tx, { trigger: 'ATTENDEE_STATUS_CHANGED', attendee: current, event, ticketType: current.ticketType });
    await auditChange(tx, actor, 'attendee.check_in_undone', found.id, { from: 'checked_in', to: 'registered' });
    return current;
  });
  await deps.live.publish({ kind: 'changed', eventId: event.id, attendeeId: attendee.id, testMode: attendee.testMode });
  return attendee;
}

function modeMatches(actor: AuthenticatedActor, testMode: boolean): boolean {
  return actor.kind === 'user' || isTestMode(actor) === testMode;
}
