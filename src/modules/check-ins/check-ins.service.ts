import { z } from 'zod';
import { isDatabaseUnavailable } from '../../db/availability.ts';
import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, TicketType } from '../../generated/prisma/client.ts';
import { Batcher, perOwner } from '../../lib/batcher.ts';
import { AppError, invalidField, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditChange } from '../audit/audit.service.ts';
import { type Actor, type AuthenticatedActor, authorize, isTestMode } from '../auth/actor.ts';
import { decideAtDoor, isUuid, type Movement, type ZoneRef } from '../door/door.service.ts';
import { insertScans, type ScanRow } from '../door/door.sql.ts';
import { looksSigned, verifyTicketCode } from '../door/ticket-codes.ts';
import type { LiveAttendee } from '../live/live-feed.ts';
import { findRegistrationEvent, loadRegistrationEvent, type RegistrationEvent } from '../registrations/registrations.service.ts';
import { emitTrigger, emitTriggers } from '../webhooks/webhook-emit.ts';
import { findAttendeesById, findAttendeesByTokenOrId, markCheckedIn } from './check-ins.sql.ts';

export interface CheckInResult {
  attendee: LiveAttendee;
  /** The attendee's event as registration caches it (with its fields, which REST needs to present it). */
  event: RegistrationEvent;
  alreadyCheckedIn: boolean;
  /** Only for scans that name a zone or a direction (the door's additions to the seed's answer). */
  door?: { zone: (ZoneRef & { insideNow: number }) | null; movement: Movement | null };
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
 * Checks an attendee in, by QR token (scanner) or attendee id (manual). The first check-in is one
 * conditional UPDATE, so of any number of simultaneous scans exactly one wins; it fires
 * attendee.checked_in in the same transaction and reaches live feeds after commit. A repeat answers
 * `alreadyCheckedIn` with the original time and fires nothing. Cancelled registrations are refused.
 * With `event_id`, a ticket of another event is refused. Scans arriving together are handled together
 * (one lookup, one UPDATE, one transaction; see Batcher), each answered on its own.
 */
export async function checkIn(deps: Deps, options: { actor: Actor; input: unknown }): Promise<CheckInResult> {
  const actor = authorize(options.actor, 'check-ins:write');
  const input = parseInput(CheckInInput, options.input);
  // The event (cached, like registration's) when the scanner is scoped to one.
  const scopedEvent = input.event_id ? await findRegistrationEvent(deps, { actor, eventId: input.event_id, permission: 'attendees:read' }) : null;
  if (scopedEvent && (input.zone_id || input.direction)) return await checkInAtDoor(deps, actor, scopedEvent, input, { doorFields: true });
  if (input.qr_token && looksSigned(input.qr_token)) {
    // A signed code names its event; the door decides it (the seed path looks up random tokens only).
    const payload = await verifyTicketCode(deps, input.qr_token);
    const event = scopedEvent ?? (payload ? await loadRegistrationEvent(deps, payload.e) : null);
    if (!event || event.organisationId !== actor.organisationId) throw notFound('Ticket');
    return await checkInAtDoor(deps, actor, event, input, { doorFields: false });
  }
  const result = await checkInBatcher(deps).submit({
    actor,
    qrToken: input.qr_token ?? null,
    attendeeId: input.attendee_id ? (parseId('attendee', input.attendee_id) ?? '') : null,
    scopedEventId: scopedEvent?.id ?? null,
  });
  deps.metrics.checkIns.inc({ outcome: result.alreadyCheckedIn ? 'repeat' : 'first' });
  if (!result.alreadyCheckedIn) {
    await deps.live.publish({ kind: 'checked_in', eventId: result.event.id, attendeeId: result.attendee.id, testMode: result.attendee.testMode });
  }
  return result;
}

/** A scan that names a zone or a direction: decided by the door (door.service.ts), logged either way. */
async function checkInAtDoor(
  deps: Deps,
  actor: AuthenticatedActor,
  event: RegistrationEvent,
  input: z.infer<typeof CheckInInput>,
  options: { doorFields: boolean },
): Promise<CheckInResult> {
  const field = input.qr_token ? 'qr_token' : 'attendee_id';
  const zoneId = input.zone_id ? parseId('zone', input.zone_id) : null;
  const { decision, insideNow } = await decideAtDoor(deps, {
    context: { organisationId: actor.organisationId, testMode: isTestMode(actor), event, source: scanSource(actor) },
    scan: {
      code: input.qr_token ?? null,
      attendeeId: input.attendee_id ? (parseId('attendee', input.attendee_id) ?? '') : null,
      zoneId,
      direction: input.direction === 'out' ? 'OUT' : 'IN',
      scannedAt: null,
      deviceId: null,
      nonce: null,
      payloadHash: null,
      offline: false,
    },
    zoneInput: input.zone_id ?? null,
  });
  const { attendee, reason } = decision;
  if (reason === 'unknown_ticket' || reason === 'invalid_code' || !attendee) throw notFound(input.qr_token ? 'Ticket' : 'Attendee');
  if (reason === 'other_event') throw invalidField(field, 'This ticket is for another event.');
  if (reason === 'cancelled') throw invalidField(field, 'This registration has been cancelled.');
  if (reason === 'erased') throw invalidField(field, ERASED);
  return {
    attendee,
    event,
    alreadyCheckedIn: !decision.checkedIn && attendee.status === 'CHECKED_IN',
    ...(options.doorFields ? { door: { zone: decision.zone ? { ...decision.zone, insideNow: insideNow ?? 0 } : null, movement: decision.movement } } : {}),
  };
}

function scanSource(actor: AuthenticatedActor): 'api' | 'dashboard' {
  return actor.kind === 'apiKey' ? 'api' : 'dashboard';
}

interface Scan {
  actor: AuthenticatedActor;
  qrToken: string | null;
  attendeeId: string | null;
  scopedEventId: string | null;
}

const checkInBatcher = perOwner(
  (deps: Deps) =>
    new Batcher<Scan, CheckInResult>(
      async (scans) => {
        try {
          return await checkInAll(deps, scans);
        } catch (error) {
          // As with registrations: whatever one scan alone causes fails only that scan.
          if (scans.length === 1 || isDatabaseUnavailable(error)) throw error;
          deps.logger.warn({ err: error, scans: scans.length }, 'check-in batch failed; handling each scan on its own');
          return await Promise.all(
            scans.map((scan) =>
              checkInAll(deps, [scan]).then(
                ([result]) => result!,
                (failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))),
              ),
            ),
          );
        }
      },
      { maxBatch: 200, concurrency: 2 },
    ),
);

async function checkInAll(deps: Deps, scans: Scan[]): Promise<Array<CheckInResult | AppError>> {
  // Plain SQL and the cached event: a door scanner is a hot path (see src/db/sql.ts).
  const tokens = scans.flatMap((s) => (s.qrToken ? [s.qrToken] : []));
  const ids = scans.flatMap((s) => (s.attendeeId ? [s.attendeeId] : []));
  const found = await findAttendeesByTokenOrId(poolSql(deps), tokens, ids);
  const byToken = new Map(found.map((a) => [a.qrToken, a]));
  const byId = new Map(found.map((a) => [a.id, a]));

  const results: Array<CheckInResult | AppError | undefined> = new Array(scans.length);
  const targets = new Map<number, { attendee: Attendee; event: RegistrationEvent; ticketType: TicketType; field: string }>();
  for (const [i, scan] of scans.entries()) {
    const field = scan.qrToken ? 'qr_token' : 'attendee_id';
    const attendee = scan.qrToken ? byToken.get(scan.qrToken) : byId.get(scan.attendeeId ?? '');
    // Another organisation's ticket, or the other mode's, is as unknown as a made-up one.
    if (!attendee || attendee.organisationId !== scan.actor.organisationId || !modeMatches(scan.actor, attendee.testMode)) {
      results[i] = notFound(scan.qrToken ? 'Ticket' : 'Attendee');
    } else if (scan.scopedEventId && attendee.eventId !== scan.scopedEventId) {
      results[i] = invalidField(field, 'This ticket is for another event.');
    } else if (attendee.status === 'CANCELLED') {
      results[i] = invalidField(field, 'This registration has been cancelled.');
    } else if (attendee.erasedAt) {
      results[i] = invalidField(field, ERASED);
    } else {
      const event = await loadRegistrationEvent(deps, attendee.eventId);
      const ticketType = event?.ticketTypes.find((t) => t.id === attendee.ticketTypeId);
      if (!event || !ticketType) results[i] = notFound(scan.qrToken ? 'Ticket' : 'Attendee');
      else targets.set(i, { attendee, event, ticketType, field });
    }
  }
  if (targets.size === 0) {
    await insertScans(poolSql(deps), scanRows(scans, results, byToken, byId));
    return results as Array<CheckInResult | AppError>;
  }

  const targetOf = new Map([...targets.values()].map((t) => [t.attendee.id, t]));
  const attendeeIds = [...targetOf.keys()];
  await deps.jobs.sqlTransaction(async (sql) => {
    const updated = new Map((await markCheckedIn(sql, attendeeIds)).map((a) => [a.id, a]));
    const current = new Map(
      (
        await findAttendeesById(
          sql,
          attendeeIds.filter((id) => !updated.has(id)),
        )
      ).map((a) => [a.id, a]),
    );
    await emitTriggers(
      deps,
      sql,
      [...updated.values()].map((attendee) => ({
        trigger: 'ATTENDEE_CHECKED_IN' as const,
        attendee,
        event: targetOf.get(attendee.id)!.event,
        ticketType: targetOf.get(attendee.id)!.ticketType,
      })),
    );

    // The first scan of an attendee in this batch is the check-in; any other is a repeat.
    const answered = new Set<string>();
    for (const [i, { attendee: target, event, ticketType, field }] of targets) {
      const first = updated.has(target.id) && !answered.has(target.id);
      answered.add(target.id);
      const attendee = updated.get(target.id) ?? current.get(target.id);
      // Deleted (its event with it) between the lookup and the transaction: as unknown as a made-up ticket.
      if (!attendee) results[i] = notFound(field === 'qr_token' ? 'Ticket' : 'Attendee');
      else if (attendee.status === 'CANCELLED') results[i] = invalidField(field, 'This registration has been cancelled.');
      else if (attendee.erasedAt) results[i] = invalidField(field, ERASED);
      else results[i] = { attendee: { ...attendee, ticketType }, event, alreadyCheckedIn: !first };
    }
    // Every scan of the batch is logged with the check-ins it made (rejections too, where the event is known).
    await insertScans(sql, scanRows(scans, results, byToken, byId));
  });
  return results as Array<CheckInResult | AppError>;
}

/** The scan log rows of a seed-path batch (no zone, direction in, online). */
function scanRows(scans: Scan[], results: Array<CheckInResult | AppError | undefined>, byToken: Map<string, Attendee>, byId: Map<string, Attendee>): ScanRow[] {
  const now = new Date();
  return scans.flatMap((scan, i): ScanRow[] => {
    const result = results[i];
    const found = scan.qrToken ? byToken.get(scan.qrToken) : byId.get(scan.attendeeId ?? '');
    const known = found && found.organisationId === scan.actor.organisationId && modeMatches(scan.actor, found.testMode) ? found : undefined;
    const eventId = scan.scopedEventId ?? known?.eventId;
    if (!eventId) return [];
    const ok = result && !(result instanceof Error) ? result : null;
    const reason = ok
      ? ok.alreadyCheckedIn
        ? 'already_checked_in'
        : null
      : !known
        ? 'unknown_ticket'
        : known.eventId !== eventId
          ? 'other_event'
          : known.erasedAt
            ? 'erased'
            : 'cancelled';
    return [
      {
        id: newId('scan'),
        organisationId: scan.actor.organisationId,
        eventId,
        attendeeId: known && known.eventId === eventId ? known.id : null,
        deviceId: null,
        zoneId: null,
        direction: 'IN',
        outcome: ok ? (ok.alreadyCheckedIn ? 'DUPLICATE' : 'ACCEPTED') : 'REJECTED',
        reason,
        movement: null,
        scannedAt: now,
        nonce: null,
        payloadHash: null,
        offline: false,
        testMode: isTestMode(scan.actor),
        source: scanSource(scan.actor),
        firstScanAt: ok?.alreadyCheckedIn ? ok.attendee.checkedInAt : null,
        firstScanDeviceId: null,
        deviceOutcome: null,
      },
    ];
  });
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
  const attendee = await deps.jobs.transaction(async (tx) => {
    const updated = await tx.$queryRaw<Array<{ id: string }>>`
      UPDATE attendees SET status = 'REGISTERED', checked_in_at = NULL, updated_at = now()
      WHERE id = ${found.id} AND status = 'CHECKED_IN'
      RETURNING id`;
    if (updated.length === 0)
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
