import type { Sql } from '../../db/sql.ts';
import type { Attendee } from '../../generated/prisma/client.ts';
import { ATTENDEE_COLUMNS, ATTENDEE_SELECT, attendeeFromRow } from '../attendees/index.ts';

/** The door's SQL (plain pg, prepared per connection; explicit columns, see attendees.sql.ts). */

export type DoorAttendee = Attendee;

const DOOR_SELECT = ATTENDEE_SELECT;
const doorAttendee = attendeeFromRow;

/**
 * Every attendee a batch of scans names — by QR token (UUID), signed code or id — locked for the batch's
 * decisions, in id order (two batches naming the same attendees wait for each other instead of deadlocking).
 */
export async function lockAttendees(sql: Sql, keys: { qrTokens: string[]; ticketCodes: string[]; ids: string[] }): Promise<DoorAttendee[]> {
  const rows = await sql.query(
    `SELECT ${DOOR_SELECT} FROM attendees WHERE qr_token = ANY($1::uuid[]) OR ticket_code = ANY($2::text[]) OR id = ANY($3::text[])
     ORDER BY id FOR UPDATE`,
    [keys.qrTokens, keys.ticketCodes, keys.ids],
  );
  return rows.map(doorAttendee);
}

/** The batch's outcome for each attendee it changed, in one statement (the zone counts follow by trigger). */
export async function updateDoorAttendees(
  sql: Sql,
  changes: Array<{ id: string; status: string; checkedInAt: Date | null; zoneId: string | null }>,
): Promise<DoorAttendee[]> {
  if (changes.length === 0) return [];
  const rows = await sql.query(
    `UPDATE attendees a SET status = c.status::"AttendeeStatus", checked_in_at = c.checked_in_at, current_zone_id = c.zone_id, updated_at = now(),
       sync_txid = pg_current_xact_id()::text::bigint
     FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) AS c(id, status, checked_in_at, zone_id)
     WHERE a.id = c.id RETURNING ${ATTENDEE_COLUMNS.map((column) => `a.${column}`).join(', ')}`,
    [changes.map((c) => c.id), changes.map((c) => c.status), changes.map((c) => c.checkedInAt), changes.map((c) => c.zoneId)],
  );
  return rows.map(doorAttendee);
}

/** The accepted entry scan each attendee's repeat repeats: their first. */
export async function firstEntryScans(sql: Sql, attendeeIds: string[]): Promise<Map<string, { scannedAt: Date; deviceId: string | null }>> {
  if (attendeeIds.length === 0) return new Map();
  const rows = await sql.query<{ attendee_id: string; scanned_at: Date; device_id: string | null }>(
    `SELECT DISTINCT ON (attendee_id) attendee_id, scanned_at, device_id FROM scans
     WHERE attendee_id = ANY($1::text[]) AND direction = 'IN' AND outcome = 'ACCEPTED'
     ORDER BY attendee_id, scanned_at, received_at`,
    [attendeeIds],
  );
  return new Map(rows.map((r) => [r.attendee_id, { scannedAt: r.scanned_at, deviceId: r.device_id }]));
}

export interface ScanRow {
  id: string;
  organisationId: string;
  eventId: string;
  attendeeId: string | null;
  deviceId: string | null;
  zoneId: string | null;
  direction: 'IN' | 'OUT';
  outcome: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
  reason: string | null;
  movement: string | null;
  scannedAt: Date;
  nonce: string | null;
  payloadHash: string | null;
  offline: boolean;
  testMode: boolean;
  source: 'api' | 'dashboard' | 'device';
  firstScanAt: Date | null;
  firstScanDeviceId: string | null;
  deviceOutcome: 'accepted' | 'duplicate' | 'rejected' | null;
}

/** The scan log rows of one transaction, in one statement. */
export async function insertScans(sql: Sql, rows: ScanRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof ScanRow>(key: K) => rows.map((r) => r[key]);
  await sql.query(
    `INSERT INTO scans (id, organisation_id, event_id, attendee_id, device_id, zone_id, direction, outcome, reason, movement,
                        scanned_at, nonce, payload_hash, offline, test_mode, source, first_scan_at, first_scan_device_id, device_outcome)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::"ScanDirection"[],
                          $8::"ScanOutcome"[], $9::text[], $10::text[], $11::timestamptz[], $12::text[], $13::text[], $14::boolean[],
                          $15::boolean[], $16::text[], $17::timestamptz[], $18::text[], $19::text[])`,
    [
      column('id'),
      column('organisationId'),
      column('eventId'),
      column('attendeeId'),
      column('deviceId'),
      column('zoneId'),
      column('direction'),
      column('outcome'),
      column('reason'),
      column('movement'),
      column('scannedAt'),
      column('nonce'),
      column('payloadHash'),
      column('offline'),
      column('testMode'),
      column('source'),
      column('firstScanAt'),
      column('firstScanDeviceId'),
      column('deviceOutcome'),
    ],
  );
}

export interface ZoneOccupancy {
  zoneId: string;
  name: string;
  capacity: number | null;
  insideNow: number;
}

/** Every zone of an event with the people inside now (the sum of its shard rows). */
export async function readZoneOccupancy(sql: Sql, eventId: string): Promise<ZoneOccupancy[]> {
  const rows = await sql.query<{ id: string; name: string; capacity: number | null; inside: number }>(
    `SELECT z.id, z.name, z.capacity, coalesce(sum(c.inside), 0)::int AS inside
     FROM zones z LEFT JOIN zone_counts c ON c.zone_id = z.id
     WHERE z.event_id = $1 GROUP BY z.id ORDER BY z.created_at, z.id`,
    [eventId],
  );
  return rows.map((r) => ({ zoneId: r.id, name: r.name, capacity: r.capacity, insideNow: r.inside }));
}

/** People inside one zone now (the sum of its shard rows). */
export async function zoneInsideNow(sql: Sql, zoneId: string): Promise<number> {
  const [row] = await sql.query<{ inside: number }>('SELECT coalesce(sum(inside), 0)::int AS inside FROM zone_counts WHERE zone_id = $1', [zoneId]);
  return row?.inside ?? 0;
}

/** An event's zones, id and name. */
export async function zoneNames(sql: Sql, eventId: string): Promise<Array<{ id: string; name: string }>> {
  return await sql.query<{ id: string; name: string }>('SELECT id, name FROM zones WHERE event_id = $1', [eventId]);
}

/** The id of the oldest transaction still running: a sync round resends everything written from it on. */
export async function oldestRunningTransaction(sql: Sql): Promise<string> {
  const [row] = await sql.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
  return row!.xmin;
}

/** One row of a door's sync: an attendee as the phone needs it, or a tombstone (`deleted`). */
export interface SyncRow {
  id: string;
  qr_token: string | null;
  ticket_code: string | null;
  first_name: string | null;
  last_name: string | null;
  ticket_type_id: string | null;
  status: string | null;
  checked_in_at: Date | null;
  current_zone_id: string | null;
  txid: string;
  deleted: boolean;
}

/**
 * The event's live attendees and tombstones written by transactions from `since` on, after the (txid, id) `after`,
 * in that order, at most `limit`.
 */
export async function syncPage(sql: Sql, options: { eventId: string; since: string; after: readonly [string, string]; limit: number }): Promise<SyncRow[]> {
  return await sql.query<SyncRow>(
    `(SELECT id, qr_token::text, ticket_code, first_name, last_name, ticket_type_id, status::text, checked_in_at, current_zone_id,
             sync_txid::text AS txid, false AS deleted, sync_txid AS o
      FROM attendees WHERE event_id = $1 AND NOT test_mode AND sync_txid >= $2::bigint AND (sync_txid, id) > ($3::bigint, $4::text)
      ORDER BY sync_txid, id LIMIT $5)
     UNION ALL
     (SELECT attendee_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, sync_txid::text AS txid, true, sync_txid AS o
      FROM scanner_tombstones WHERE event_id = $1 AND NOT test_mode AND sync_txid >= $2::bigint AND (sync_txid, attendee_id) > ($3::bigint, $4::text)
      ORDER BY sync_txid, attendee_id LIMIT $5)
     ORDER BY o, id LIMIT $5`,
    [options.eventId, options.since, options.after[0], options.after[1], options.limit],
  );
}

/** Signed codes of the event's live attendees without a valid ticket (cancelled, waitlisted, pending…): a door refuses them offline. */
export async function revokedTicketCodes(sql: Sql, eventId: string): Promise<string[]> {
  const rows = await sql.query<{ ticket_code: string }>(
    `SELECT ticket_code FROM attendees WHERE event_id = $1 AND NOT test_mode AND status NOT IN ('REGISTERED', 'CHECKED_IN', 'NO_SHOW') AND ticket_code IS NOT NULL ORDER BY id`,
    [eventId],
  );
  return rows.map((r) => r.ticket_code);
}

/** The event's scanner devices, id and name, in the order they were added. */
export async function eventDevices(sql: Sql, eventId: string): Promise<Array<{ id: string; name: string }>> {
  return await sql.query<{ id: string; name: string }>('SELECT id, name FROM scanner_devices WHERE event_id = $1 ORDER BY created_at, id', [eventId]);
}

/** Locks a device's row: one upload of a device at a time. */
export async function lockDevice(sql: Sql, deviceId: string): Promise<void> {
  await sql.query('SELECT 1 FROM scanner_devices WHERE id = $1 FOR UPDATE', [deviceId]);
}

/** The device this token hash belongs to, if not revoked, marked seen now (with its pending upload count, if given). */
export async function touchDevice(
  sql: Sql,
  options: { tokenHash: string; pendingUploads: number | null },
): Promise<{ id: string; organisation_id: string; event_id: string; zone_id: string | null; token_hash: string } | undefined> {
  const [row] = await sql.query<{ id: string; organisation_id: string; event_id: string; zone_id: string | null; token_hash: string }>(
    `UPDATE scanner_devices SET last_seen_at = now(), pending_uploads = coalesce($2, pending_uploads)
     WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id, organisation_id, event_id, zone_id, token_hash`,
    [options.tokenHash, options.pendingUploads],
  );
  return row;
}

/** Whether a device is still paired (not revoked). */
export async function deviceNotRevoked(sql: Sql, deviceId: string): Promise<boolean> {
  const [row] = await sql.query<{ ok: boolean }>('SELECT revoked_at IS NULL AS ok FROM scanner_devices WHERE id = $1', [deviceId]);
  return row?.ok ?? false;
}

/** A device's scans already stored under these nonces (a re-upload gets the stored answer). */
export async function scansByNonce(
  sql: Sql,
  deviceId: string,
  nonces: readonly string[],
): Promise<
  Array<{
    nonce: string;
    payload_hash: string | null;
    outcome: string;
    reason: string | null;
    attendee_id: string | null;
    first_scan_at: Date | null;
    first_scan_device_id: string | null;
  }>
> {
  return await sql.query(
    `SELECT nonce, payload_hash, outcome::text, reason, attendee_id, first_scan_at, first_scan_device_id
     FROM scans WHERE device_id = $1 AND nonce = ANY($2::text[])`,
    [deviceId, nonces],
  );
}

/**
 * Every entry scan (accepted or duplicate, as the device decided) of each ticket let in offline although already
 * used, by ticket and then oldest first: the copied-ticket report's rows.
 */
export async function conflictingEntryScans(
  sql: Sql,
  eventId: string,
  testMode: boolean,
): Promise<Array<{ attendee_id: string; id: string; device_id: string | null; scanned_at: Date; outcome: string; offline: boolean }>> {
  return await sql.query(
    `SELECT s.attendee_id, s.id, s.device_id, s.scanned_at, s.outcome::text, s.offline
     FROM scans s
     WHERE s.attendee_id IN (SELECT attendee_id FROM scans
                             WHERE event_id = $1 AND test_mode = $2 AND offline AND coalesce(device_outcome, 'accepted') = 'accepted'
                               AND direction = 'IN' AND outcome = 'DUPLICATE'
                               AND reason IN ('already_checked_in', 'already_inside') AND attendee_id IS NOT NULL)
       AND s.direction = 'IN' AND s.outcome IN ('ACCEPTED', 'DUPLICATE') AND coalesce(s.device_outcome, 'accepted') = 'accepted'
     ORDER BY s.attendee_id, s.scanned_at, s.received_at, s.id`,
    [eventId, testMode],
  );
}
