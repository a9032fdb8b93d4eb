import type { Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { newId } from '../../lib/ids.ts';
import type { LiveAttendee } from '../live/live-feed.ts';
import type { RegistrationEvent } from '../registrations/registrations.service.ts';
import { emitTriggers } from '../webhooks/webhook-emit.ts';
import { type DoorAttendee, firstEntryScan, insertScans, lockAttendee, type ScanRow, updateDoorAttendee } from './door.sql.ts';
import { looksSigned, verifyTicketCode } from './ticket-codes.ts';

/**
 * The door's decisions: scans with a zone or a direction (REST, GraphQL) and every device upload. Each scan
 * locks its attendee, decides against the row as it is now, changes it, and is logged (`scans`) in the same
 * transaction, so the log, the attendee, the zone counts (a trigger on current_zone_id) and the webhook always
 * agree, whatever number of doors scan at once. Scans of one call are applied in the order given.
 *
 * Rules: the first entry anywhere is the check-in (attendee.checked_in, once); entering a zone leaves the zone the
 * attendee was in; leaving a zone (`OUT`) is allowed when inside it; an entry of a checked-in attendee into the
 * zone they are in — or, without a zone, any second entry — is a duplicate naming the first accepted entry.
 */

export type Direction = 'IN' | 'OUT';
export type Movement = 'entered' | 'exited' | 'already_inside' | 'not_inside';
export type Outcome = 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
export type RefusalReason = 'unknown_ticket' | 'invalid_code' | 'other_event' | 'cancelled' | 'not_checked_in' | 'not_inside';

export interface DoorScan {
  /** What the QR code carries: a random qr_token (UUID) or a signed code (eg1.…); or, for a manual check-in, attendeeId. */
  code: string | null;
  attendeeId: string | null;
  zoneId: string | null;
  direction: Direction;
  /** When the device saw it; now for online scans. */
  scannedAt: Date | null;
  deviceId: string | null;
  nonce: string | null;
  payloadHash: string | null;
  offline: boolean;
}

export interface DoorContext {
  organisationId: string;
  testMode: boolean;
  event: RegistrationEvent;
  source: ScanRow['source'];
}

export interface DoorDecision {
  scanId: string;
  outcome: Outcome;
  reason: RefusalReason | 'already_checked_in' | 'already_inside' | null;
  movement: Movement | null;
  attendee: LiveAttendee | null;
  zone: { id: string; name: string } | null;
  /** For a duplicate: the accepted entry it repeats. */
  firstScan: { scannedAt: Date; deviceId: string | null } | null;
  /** This scan was the attendee's check-in. */
  checkedIn: boolean;
  scannedAt: Date;
}

export interface ZoneRef {
  id: string;
  name: string;
}

/** The event's zones by id (a scan may only name one of these). */
export async function eventZones(sql: Sql, eventId: string): Promise<Map<string, ZoneRef>> {
  const rows = await sql.query<ZoneRef>('SELECT id, name FROM zones WHERE event_id = $1', [eventId]);
  return new Map(rows.map((z) => [z.id, z]));
}

/**
 * Applies `scans` in order in one transaction (`sql`), writing their log rows; the caller commits, then calls
 * `publishDoorChanges`. Zones must already be checked to belong to the event (see eventZones).
 */
export async function applyDoorScans(deps: Deps, sql: Sql, context: DoorContext, scans: DoorScan[], zones: Map<string, ZoneRef>): Promise<DoorDecision[]> {
  const { event } = context;
  const decisions: DoorDecision[] = [];
  const rows: ScanRow[] = [];
  const checkIns: LiveAttendee[] = [];
  // Accepted entries of this call, so a later scan of the same ticket names them before they are written.
  const firstEntries = new Map<string, { scannedAt: Date; deviceId: string | null }>();
  const now = new Date();

  for (const scan of scans) {
    const scannedAt = scan.scannedAt ?? now;
    const zone = scan.zoneId ? (zones.get(scan.zoneId) ?? null) : null;
    const decide = (
      decision: Pick<DoorDecision, 'outcome' | 'reason' | 'movement'> & {
        attendee?: DoorAttendee | null;
        firstScan?: DoorDecision['firstScan'];
        checkedIn?: boolean;
      },
    ): void => {
      const attendee = decision.attendee ? withTicketType(decision.attendee, event) : null;
      const id = newId('scan');
      decisions.push({
        scanId: id,
        outcome: decision.outcome,
        reason: decision.reason,
        movement: decision.movement,
        attendee,
        zone,
        firstScan: decision.firstScan ?? null,
        checkedIn: decision.checkedIn ?? false,
        scannedAt,
      });
      rows.push({
        id,
        organisationId: context.organisationId,
        eventId: event.id,
        attendeeId: attendee?.id ?? null,
        deviceId: scan.deviceId,
        zoneId: zone?.id ?? null,
        direction: scan.direction,
        outcome: decision.outcome,
        reason: decision.reason,
        movement: decision.movement,
        scannedAt,
        nonce: scan.nonce,
        payloadHash: scan.payloadHash,
        offline: scan.offline,
        testMode: context.testMode,
        source: context.source,
        firstScanAt: decision.firstScan?.scannedAt ?? null,
        firstScanDeviceId: decision.firstScan?.deviceId ?? null,
      });
      if (decision.outcome === 'ACCEPTED' && scan.direction === 'IN' && attendee && !firstEntries.has(attendee.id)) {
        firstEntries.set(attendee.id, { scannedAt, deviceId: scan.deviceId });
      }
    };

    const code = scan.code ?? '';
    // A signed code must carry a valid signature of a key still in use (forged or altered: refused as such).
    if (!scan.attendeeId && looksSigned(code) && !(await verifyTicketCode(deps, code))) {
      decide({ outcome: 'REJECTED', reason: 'invalid_code', movement: null });
      continue;
    }
    const key = scan.attendeeId ? { attendeeId: scan.attendeeId } : isUuid(code) ? { qrToken: code } : looksSigned(code) ? { ticketCode: code } : null;
    const found = key ? await lockAttendee(sql, key) : null;
    if (!found || found.organisationId !== context.organisationId || found.testMode !== context.testMode) {
      decide({ outcome: 'REJECTED', reason: 'unknown_ticket', movement: null });
      continue;
    }
    if (found.eventId !== event.id) {
      decide({ outcome: 'REJECTED', reason: 'other_event', movement: null });
      continue;
    }
    if (found.status === 'CANCELLED') {
      decide({ outcome: 'REJECTED', reason: 'cancelled', movement: null, attendee: found });
      continue;
    }

    if (scan.direction === 'OUT') {
      if (found.status !== 'CHECKED_IN') {
        decide({ outcome: 'REJECTED', reason: 'not_checked_in', movement: 'not_inside', attendee: found });
      } else if (found.currentZoneId && (!zone || zone.id === found.currentZoneId)) {
        decide({ outcome: 'ACCEPTED', reason: null, movement: 'exited', attendee: await updateDoorAttendee(sql, found.id, { zoneId: null }) });
      } else {
        decide({ outcome: 'REJECTED', reason: 'not_inside', movement: 'not_inside', attendee: found });
      }
      continue;
    }

    if (found.status !== 'CHECKED_IN') {
      const updated = await updateDoorAttendee(sql, found.id, { checkInAt: scannedAt, zoneId: zone?.id ?? null });
      checkIns.push(withTicketType(updated, event));
      decide({ outcome: 'ACCEPTED', reason: null, movement: zone ? 'entered' : null, attendee: updated, checkedIn: true });
    } else if (zone && found.currentZoneId !== zone.id) {
      decide({ outcome: 'ACCEPTED', reason: null, movement: 'entered', attendee: await updateDoorAttendee(sql, found.id, { zoneId: zone.id }) });
    } else {
      const firstScan = firstEntries.get(found.id) ?? (await firstEntryScan(sql, found.id)) ?? { scannedAt: found.checkedInAt ?? scannedAt, deviceId: null };
      decide({
        outcome: 'DUPLICATE',
        reason: zone ? 'already_inside' : 'already_checked_in',
        movement: zone ? 'already_inside' : null,
        attendee: found,
        firstScan,
      });
    }
  }

  await insertScans(sql, rows);
  await emitTriggers(
    deps,
    sql,
    checkIns.map((attendee) => ({ trigger: 'ATTENDEE_CHECKED_IN' as const, attendee, event, ticketType: attendee.ticketType })),
  );
  return decisions;
}

/** After commit: live feeds hear of the check-ins; zone occupancy feeds of the moves. */
export async function publishDoorChanges(deps: Deps, event: RegistrationEvent, decisions: DoorDecision[]): Promise<void> {
  for (const decision of decisions) {
    if (decision.checkedIn && decision.attendee) {
      deps.metrics.checkIns.inc({ outcome: 'first' });
      await deps.live.publish({ kind: 'checked_in', eventId: event.id, attendeeId: decision.attendee.id, testMode: decision.attendee.testMode });
    } else if (decision.outcome === 'DUPLICATE') {
      deps.metrics.checkIns.inc({ outcome: 'repeat' });
    }
  }
  if (decisions.some((d) => d.movement === 'entered' || d.movement === 'exited')) await deps.zones.changed(event.id);
}

function withTicketType(attendee: DoorAttendee, event: RegistrationEvent): LiveAttendee & { currentZoneId: string | null } {
  const ticketType = event.ticketTypes.find((t) => t.id === attendee.ticketTypeId);
  if (!ticketType) throw new Error(`ticket type ${attendee.ticketTypeId} is not in event ${event.id}`);
  return { ...attendee, ticketType };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string | null | undefined): boolean {
  return Boolean(value && UUID.test(value));
}
