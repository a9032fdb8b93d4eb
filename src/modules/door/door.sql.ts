import type { Sql } from '../../db/sql.ts';
import type { Attendee } from '../../generated/prisma/client.ts';
import { ATTENDEE_SELECT, attendeeFromRow } from '../attendees/attendees.sql.ts';

/** The door's SQL (plain pg, prepared per connection; explicit columns, see attendees.sql.ts). */

export type DoorAttendee = Attendee;

const DOOR_SELECT = ATTENDEE_SELECT;
const doorAttendee = attendeeFromRow;

/** What a scan names — a QR token (UUID), a signed code or an attendee id — locked for the scan's decision. */
export async function lockAttendee(sql: Sql, key: { qrToken?: string; ticketCode?: string; attendeeId?: string }): Promise<DoorAttendee | null> {
  const [row] = key.qrToken
    ? await sql.query(`SELECT ${DOOR_SELECT} FROM attendees WHERE qr_token = $1::uuid FOR UPDATE`, [key.qrToken])
    : key.ticketCode
      ? await sql.query(`SELECT ${DOOR_SELECT} FROM attendees WHERE ticket_code = $1 FOR UPDATE`, [key.ticketCode])
      : await sql.query(`SELECT ${DOOR_SELECT} FROM attendees WHERE id = $1 FOR UPDATE`, [key.attendeeId]);
  return row ? doorAttendee(row) : null;
}

export async function updateDoorAttendee(sql: Sql, id: string, change: { checkInAt?: Date; zoneId: string | null }): Promise<DoorAttendee> {
  const [row] = change.checkInAt
    ? await sql.query(
        `UPDATE attendees SET status = 'CHECKED_IN', checked_in_at = $2, current_zone_id = $3, updated_at = now()
         WHERE id = $1 RETURNING ${DOOR_SELECT}`,
        [id, change.checkInAt, change.zoneId],
      )
    : await sql.query(`UPDATE attendees SET current_zone_id = $2, updated_at = now() WHERE id = $1 RETURNING ${DOOR_SELECT}`, [id, change.zoneId]);
  return doorAttendee(row!);
}

/** The accepted entry scan a repeat repeats: the attendee's first. */
export async function firstEntryScan(sql: Sql, attendeeId: string): Promise<{ scannedAt: Date; deviceId: string | null } | null> {
  const [row] = await sql.query<{ scanned_at: Date; device_id: string | null }>(
    `SELECT scanned_at, device_id FROM scans WHERE attendee_id = $1 AND direction = 'IN' AND outcome = 'ACCEPTED'
     ORDER BY scanned_at, received_at LIMIT 1`,
    [attendeeId],
  );
  return row ? { scannedAt: row.scanned_at, deviceId: row.device_id } : null;
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
}

/** The scan log rows of one transaction, in one statement. */
export async function insertScans(sql: Sql, rows: ScanRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof ScanRow>(key: K) => rows.map((r) => r[key]);
  await sql.query(
    `INSERT INTO scans (id, organisation_id, event_id, attendee_id, device_id, zone_id, direction, outcome, reason, movement,
                        scanned_at, nonce, payload_hash, offline, test_mode, source, first_scan_at, first_scan_device_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::"ScanDirection"[],
                          $8::"ScanOutcome"[], $9::text[], $10::text[], $11::timestamptz[], $12::text[], $13::text[], $14::boolean[],
                          $15::boolean[], $16::text[], $17::timestamptz[], $18::text[])`,
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
