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
