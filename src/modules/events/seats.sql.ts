import type { Sql } from '../../db/sql.ts';
import { SEAT_HOLDING_SQL } from '../../lib/attendee-statuses.ts';

/**
 * What limits an event's seats beyond the event's and its ticket types' capacities (CONTRACT §14): its quotas, and
 * the seats its access codes hold for their holders. Read only for events with `shared_limits` (the quota and
 * access-code services keep that flag), so an event without either pays nothing.
 */

export interface QuotaRow {
  id: string;
  event_id: string;
  name: string;
  size: number;
  ticket_type_ids: string[];
}

export async function eventQuotas(sql: Sql, eventIds: readonly string[]): Promise<QuotaRow[]> {
  if (eventIds.length === 0) return [];
  return await sql.query<QuotaRow>(
    'SELECT id, event_id, name, size, ticket_type_ids FROM quotas WHERE event_id = ANY($1::text[]) ORDER BY event_id, created_at, id',
    [eventIds],
  );
}

/**
 * An access code that holds seats now (enabled, not past validUntil, reservedSeats > 0), with the ticket types it
 * covers (every type of the event for a code valid for all) and the seats its holders hold per mode.
 */
export interface ReservationRow {
  id: string;
  event_id: string;
  ticket_type_ids: string[];
  reserved_seats: number;
  live_seated: number;
  test_seated: number;
}

export async function activeReservations(sql: Sql, eventIds: readonly string[], now: Date): Promise<ReservationRow[]> {
  if (eventIds.length === 0) return [];
  return await sql.query<ReservationRow>(
    `SELECT c.id, c.event_id, c.reserved_seats,
            CASE WHEN cardinality(c.ticket_type_ids) > 0 THEN c.ticket_type_ids
                 ELSE ARRAY(SELECT t.id FROM ticket_types t WHERE t.event_id = c.event_id) END AS ticket_type_ids,
            (SELECT count(*) FROM attendees a WHERE a.access_code_id = c.id AND NOT a.test_mode AND a.${SEAT_HOLDING_SQL})::int AS live_seated,
            (SELECT count(*) FROM attendees a WHERE a.access_code_id = c.id AND a.test_mode AND a.${SEAT_HOLDING_SQL})::int AS test_seated
     FROM access_codes c
     WHERE c.event_id = ANY($1::text[]) AND c.enabled AND c.reserved_seats > 0 AND (c.valid_until IS NULL OR c.valid_until > $2)`,
    [eventIds, now],
  );
}

/** Whether an event has quotas or seat-holding codes: what `events.shared_limits` says (kept under the event's lock). */
export async function refreshSharedLimits(sql: Sql, eventId: string): Promise<void> {
  await sql.query(
    `UPDATE events SET shared_limits = EXISTS (SELECT 1 FROM quotas WHERE event_id = $1)
       OR EXISTS (SELECT 1 FROM access_codes WHERE event_id = $1 AND reserved_seats > 0)
     WHERE id = $1`,
    [eventId],
  );
}

/**
 * Locks an event's row FOR UPDATE before its quotas or access codes change: registrations of an event with shared
 * limits hold it too (FOR UPDATE), those of the others FOR SHARE, so either way they see the change whole.
 */
export async function lockEventRow(sql: Sql, eventId: string): Promise<void> {
  await sql.query('SELECT id FROM events WHERE id = $1 FOR UPDATE', [eventId]);
}
