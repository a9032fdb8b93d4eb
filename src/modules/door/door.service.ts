import { isDatabaseBusyOrUnavailable } from '../../db/availability.ts';
import type { Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { Batcher, eachAloneOnFailure } from '../../lib/batcher.ts';
import { invalidField } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { CachedEvent } from '../events/index.ts';
import type { LiveAttendee } from '../live/index.ts';
import { emitTriggers } from '../webhooks/index.ts';
import { type DoorAttendee, firstEntryScans, insertScans, lockAttendees, type ScanRow, updateDoorAttendees, zoneNames } from './door.sql.ts';
import { looksSigned, verifyTicketCodes } from './ticket-codes.ts';

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
export type RefusalReason =
  | 'unknown_ticket'
  | 'invalid_code'
  | 'other_event'
  | 'cancelled'
  | 'erased'
  | 'not_checked_in'
  | 'not_inside'
  | 'waitlisted'
  | 'offered'
  | 'pending_approval'
  | 'declined';

/** People without a ticket (in line, offered a seat not yet claimed, awaiting approval, declined): refused, and why. */
const NO_TICKET: Partial<Record<DoorAttendee['status'], RefusalReason>> = {
  WAITLISTED: 'waitlisted',
  OFFERED: 'offered',
  PENDING_APPROVAL: 'pending_approval',
  DECLINED: 'declined',
};

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
  /** What the device decided offline, when it says (an offline scan that does not say was let in). */
  deviceOutcome?: 'accepted' | 'duplicate' | 'rejected' | null;
}

export interface DoorContext {
  organisationId: string;
  testMode: boolean;
  event: CachedEvent;
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

export interface ZoneName {
  id: string;
  name: string;
}

/** The event's zones by id (a scan may only name one of these). */
export async function eventZones(sql: Sql, eventId: string): Promise<Map<string, ZoneName>> {
  return new Map((await zoneNames(sql, eventId)).map((z) => [z.id, z]));
}

/**
 * Applies `scans` in order in one transaction (`sql`), writing their log rows; the caller commits, then calls
 * `publishDoorChanges`. Zones must already be checked to belong to the event (see eventZones).
 *
 * Set-based: one statement locks every attendee the scans name, the decisions are made in memory against the
 * rows as they change scan by scan, and one statement each writes the attendees' new state, the log and the
 * webhooks — a handful of round trips for a batch of hundreds of scans.
 */
export async function applyDoorScans(deps: Deps, sql: Sql, context: DoorContext, scans: DoorScan[], zones: Map<string, ZoneName>): Promise<DoorDecision[]> {
  const { event } = context;
  const codes = scans.map((scan) => scan.code ?? '');
  const validSigned = await verifyTicketCodes(
    deps,
    codes.filter((code, i) => !scans[i]!.attendeeId && looksSigned(code)),
  );
  const locked = await lockAttendees(sql, {
    qrTokens: [...new Set(codes.filter((code, i) => !scans[i]!.attendeeId && isUuid(code)))],
    ticketCodes: [...validSigned],
    ids: [...new Set(scans.flatMap((scan) => (scan.attendeeId ? [scan.attendeeId] : [])))],
  });
  const byToken = new Map(locked.map((a) => [a.qrToken, a]));
  const byCode = new Map(locked.flatMap((a) => (a.ticketCode ? [[a.ticketCode, a] as const] : [])));
  const byId = new Map(locked.map((a) => [a.id, a]));
  // Each attendee as the scans so far left it.
  const state = new Map<string, DoorAttendee>();
  const changed = new Set<string>();
  const checkedInNow = new Set<string>();
  // Accepted entries of this batch, so a later scan of the same ticket names them before they are written.
  const firstEntries = new Map<string, { scannedAt: Date; deviceId: string | null }>();
  const now = deps.clock.now();

  type Pending = Omit<DoorDecision, 'firstScan' | 'attendee' | 'scanId'> & { attendee: DoorAttendee | null; scan: DoorScan; needsFirstScan: boolean };
  const pending: Pending[] = [];
  for (const [i, scan] of scans.entries()) {
    const scannedAt = scan.scannedAt ?? now;
    const zone = scan.zoneId ? (zones.get(scan.zoneId) ?? null) : null;
    const decide = (
      d: Pick<DoorDecision, 'outcome' | 'reason' | 'movement'> & { attendee?: DoorAttendee | null; checkedIn?: boolean; needsFirstScan?: boolean },
    ) =>
      pending.push({
        outcome: d.outcome,
        reason: d.reason,
        movement: d.movement,
        attendee: d.attendee ? { ...d.attendee } : null,
        zone,
        checkedIn: d.checkedIn ?? false,
        scannedAt,
        scan,
        needsFirstScan: d.needsFirstScan ?? false,
      });
    const code = codes[i]!;
    if (!scan.attendeeId && looksSigned(code) && !validSigned.has(code)) {
      decide({ outcome: 'REJECTED', reason: 'invalid_code', movement: null });
      continue;
    }
    const row = scan.attendeeId ? byId.get(scan.attendeeId) : isUuid(code) ? byToken.get(code) : byCode.get(code);
    const found = row ? (state.get(row.id) ?? row) : undefined;
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
    const noTicket = NO_TICKET[found.status];
    if (noTicket) {
      decide({ outcome: 'REJECTED', reason: noTicket, movement: null, attendee: found });
      continue;
    }
    // Erased is final: the person is gone, their attendee id opens no door (a signed code of theirs was revoked).
    if (found.erasedAt) {
      decide({ outcome: 'REJECTED', reason: 'erased', movement: null, attendee: found });
      continue;
    }
    const move = (next: Partial<DoorAttendee>): DoorAttendee => {
      const updated = { ...found, ...next };
      state.set(found.id, updated);
      changed.add(found.id);
      return updated;
    };

    if (scan.direction === 'OUT') {
      if (found.status !== 'CHECKED_IN') decide({ outcome: 'REJECTED', reason: 'not_checked_in', movement: 'not_inside', attendee: found });
      else if (found.currentZoneId && (!zone || zone.id === found.currentZoneId)) {
        decide({ outcome: 'ACCEPTED', reason: null, movement: 'exited', attendee: move({ currentZoneId: null }) });
      } else decide({ outcome: 'REJECTED', reason: 'not_inside', movement: 'not_inside', attendee: found });
      continue;
    }
    if (found.status !== 'CHECKED_IN') {
      checkedInNow.add(found.id);
      const entered = move({ status: 'CHECKED_IN', checkedInAt: scannedAt, currentZoneId: zone?.id ?? null });
      firstEntries.set(found.id, { scannedAt, deviceId: scan.deviceId });
      decide({ outcome: 'ACCEPTED', reason: null, movement: zone ? 'entered' : null, attendee: entered, checkedIn: true });
    } else if (zone && found.currentZoneId !== zone.id) {
      decide({ outcome: 'ACCEPTED', reason: null, movement: 'entered', attendee: move({ currentZoneId: zone.id }) });
    } else {
      decide({
        outcome: 'DUPLICATE',
        reason: zone ? 'already_inside' : 'already_checked_in',
        movement: zone ? 'already_inside' : null,
        attendee: found,
        needsFirstScan: true,
      });
    }
  }

  // Duplicates name the attendee's first accepted entry: this batch's, else the log's, else the check-in time.
  const logged = await firstEntryScans(sql, [
    ...new Set(pending.flatMap((p) => (p.needsFirstScan && p.attendee && !firstEntries.has(p.attendee.id) ? [p.attendee.id] : []))),
  ]);
  const written = new Map(
    (
      await updateDoorAttendees(
        sql,
        [...changed].map((id) => {
          const a = state.get(id)!;
          return { id, status: a.status, checkedInAt: a.checkedInAt, zoneId: a.currentZoneId };
        }),
      )
    ).map((a) => [a.id, a]),
  );

  const decisions: DoorDecision[] = [];
  const rows: ScanRow[] = [];
  for (const p of pending) {
    const { attendee: snapshot, scan, needsFirstScan, ...decision } = p;
    // The state this scan left, on the row as written (its updated_at and sync position).
    const attendee = snapshot
      ? withTicketType(
          { ...(written.get(snapshot.id) ?? snapshot), status: snapshot.status, checkedInAt: snapshot.checkedInAt, currentZoneId: snapshot.currentZoneId },
          event,
        )
      : null;
    const firstScan =
      needsFirstScan && attendee
        ? (firstEntries.get(attendee.id) ?? logged.get(attendee.id) ?? { scannedAt: attendee.checkedInAt ?? decision.scannedAt, deviceId: null })
        : null;
    const id = newId('scan');
    decisions.push({ ...decision, scanId: id, attendee, firstScan });
    rows.push({
      id,
      organisationId: context.organisationId,
      eventId: event.id,
      attendeeId: attendee?.id ?? null,
      deviceId: scan.deviceId,
      zoneId: decision.zone?.id ?? null,
      direction: scan.direction,
      outcome: decision.outcome,
      reason: decision.reason,
      movement: decision.movement,
      scannedAt: decision.scannedAt,
      nonce: scan.nonce,
      payloadHash: scan.payloadHash,
      offline: scan.offline,
      testMode: context.testMode,
      source: context.source,
      firstScanAt: firstScan?.scannedAt ?? null,
      firstScanDeviceId: firstScan?.deviceId ?? null,
      deviceOutcome: scan.deviceOutcome ?? null,
    });
  }
  await insertScans(sql, rows);
  await emitTriggers(
    deps,
    sql,
    [...checkedInNow].map((id) => {
      const attendee = withTicketType(written.get(id)!, event);
      return { trigger: 'ATTENDEE_CHECKED_IN' as const, attendee, event, ticketType: attendee.ticketType };
    }),
  );
  return decisions;
}

export interface DoorRequest {
  context: DoorContext;
  scan: DoorScan;
  /** The zone id as the caller sent it, when it did: refused (422) unless it is a zone of the event. */
  zoneInput: string | null;
}

export interface DoorAnswer {
  decision: DoorDecision;
  /** People inside the decision's zone after the batch committed. */
  insideNow: number | null;
}

/**
 * One online scan (REST or GraphQL with a zone, a direction or a signed code). Scans arriving together are
 * decided together — one transaction, a few statements — in arrival order, each answered on its own (see
 * Batcher); a batch that fails is retried scan by scan, so one scan's problem is only its own.
 */
export async function decideAtDoor(deps: Deps, request: DoorRequest): Promise<DoorAnswer> {
  return await deps.doorBatcher.submit(request);
}

/** Scans arriving together, decided together (one transaction per batch), each answered on its own. */
export type DoorBatcher = Batcher<DoorRequest, DoorAnswer>;

/** The process's door batcher (the door's services build it once). */
export function createDoorBatcher(deps: Deps): DoorBatcher {
  return new Batcher<DoorRequest, DoorAnswer>(
    eachAloneOnFailure((requests) => decideAll(deps, requests), {
      fatal: isDatabaseBusyOrUnavailable,
      onSplit: (err, scans) => deps.logger.warn({ err, scans }, 'door batch failed; deciding each scan on its own'),
    }),
    // One event's calls per batch, two of its batches at a time, six in all (the pool has 20): an event whose rows
    // someone holds locked waits (at most DATABASE_LOCK_TIMEOUT_MS) in its own two slots, never in the others'.
    { maxBatch: 200, concurrency: 6, key: (request) => request.context.event.id, concurrencyPerKey: 2, observe: deps.metrics.batches('door') },
  );
}

async function decideAll(deps: Deps, requests: DoorRequest[]): Promise<Array<DoorAnswer | Error>> {
  const answers: Array<DoorAnswer | Error | undefined> = new Array(requests.length);
  const decided: Array<{ index: number; event: CachedEvent; decision: DoorDecision }> = [];
  await deps.db.sqlTransaction(async (sql) => {
    const zonesOf = new Map<string, Map<string, ZoneName>>();
    // Same event, organisation, mode and source: one call of applyDoorScans, in arrival order.
    const groups = new Map<string, number[]>();
    for (const [i, { context, scan, zoneInput }] of requests.entries()) {
      let zones = zonesOf.get(context.event.id);
      if (!zones) {
        // Read only when a scan of the batch names a zone (a plain check-in names none).
        const named = requests.some((r) => r.context.event.id === context.event.id && (r.scan.zoneId || r.zoneInput));
        zones = named ? await eventZones(sql, context.event.id) : new Map<string, ZoneName>();
        zonesOf.set(context.event.id, zones);
      }
      if (zoneInput && !(scan.zoneId && zones.has(scan.zoneId))) {
        answers[i] = invalidField('zone_id', 'The selected zone id is invalid.');
        continue;
      }
      const key = [context.event.id, context.organisationId, context.testMode, context.source].join('|');
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    for (const indexes of groups.values()) {
      const { context } = requests[indexes[0]!]!;
      const decisions = await applyDoorScans(
        deps,
        sql,
        context,
        indexes.map((i) => requests[i]!.scan),
        zonesOf.get(context.event.id)!,
      );
      decided.push(...indexes.map((index, j) => ({ index, event: context.event, decision: decisions[j]! })));
    }
  });
  const events = new Map(decided.map((d) => [d.event.id, d.event]));
  const occupancy = new Map<string, number>();
  for (const event of events.values()) {
    const decisions = decided.filter((d) => d.event.id === event.id).map((d) => d.decision);
    await publishDoorChanges(deps, event, decisions);
    if (decisions.some((d) => d.zone)) for (const zone of await deps.zones.read(event.id)) occupancy.set(zone.zoneId, zone.insideNow);
  }
  for (const { index, decision } of decided) answers[index] = { decision, insideNow: decision.zone ? (occupancy.get(decision.zone.id) ?? 0) : null };
  return answers as Array<DoorAnswer | Error>;
}

/** After commit: live feeds hear of the check-ins; zone occupancy feeds of the moves. */
export async function publishDoorChanges(deps: Deps, event: CachedEvent, decisions: DoorDecision[]): Promise<void> {
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

function withTicketType(attendee: DoorAttendee, event: CachedEvent): LiveAttendee & { currentZoneId: string | null } {
  const ticketType = event.ticketTypes.find((t) => t.id === attendee.ticketTypeId);
  if (!ticketType) throw new Error(`ticket type ${attendee.ticketTypeId} is not in event ${event.id}`);
  return { ...attendee, ticketType };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string | null | undefined): boolean {
  return Boolean(value && UUID.test(value));
}
