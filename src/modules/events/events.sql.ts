import type { Sql } from '../../db/sql.ts';
import type { EventStatus } from '../../generated/prisma/enums.ts';

/** Locks an event's row (a change decided on its current state); undefined if it is gone. */
export async function lockEvent(sql: Sql, eventId: string): Promise<{ status: EventStatus } | undefined> {
  const [row] = await sql.query<{ status: EventStatus }>('SELECT status FROM events WHERE id = $1 FOR UPDATE', [eventId]);
  return row;
}

/** One row per event and ticket type: capacities and the attendee counts' shard rows summed (event-counts.ts). */
export interface CountRow {
  event_id: string;
  event_capacity: number | null;
  shared_limits: boolean;
  ticket_type_id: string;
  ticket_type_capacity: number | null;
  registered: number;
  checked_in: number;
  cancelled: number;
  no_show: number;
  waitlisted: number;
  offered: number;
  pending_approval: number;
  declined: number;
}

/** The counts of these events in one mode, per ticket type in the event's order. */
export async function countRows(sql: Sql, eventIds: readonly string[], testMode: boolean): Promise<CountRow[]> {
  return await sql.query<CountRow>(
    `SELECT e.id AS event_id, e.capacity AS event_capacity, e.shared_limits, t.id AS ticket_type_id, t.capacity AS ticket_type_capacity,
            coalesce(sum(c.registered), 0)::int AS registered, coalesce(sum(c.checked_in), 0)::int AS checked_in,
            coalesce(sum(c.cancelled), 0)::int AS cancelled, coalesce(sum(c.no_show), 0)::int AS no_show,
            coalesce(sum(c.waitlisted), 0)::int AS waitlisted, coalesce(sum(c.offered), 0)::int AS offered,
            coalesce(sum(c.pending_approval), 0)::int AS pending_approval, coalesce(sum(c.declined), 0)::int AS declined
     FROM events e
     JOIN ticket_types t ON t.event_id = e.id
     LEFT JOIN event_attendee_counts c ON c.event_id = e.id AND c.ticket_type_id = t.id AND c.test_mode = $2
     WHERE e.id = ANY($1::text[])
     GROUP BY e.id, t.id
     ORDER BY e.id, t.position, t.created_at`,
    [eventIds, testMode],
  );
}

/**
 * Registrations per local hour or day (`unit`) of `timezone` over [from, to), every bucket present. Bucket
 * boundaries are local hours/days turned into instants; each bucket is then one count over the registration-order
 * index (no function per attendee: measured 6 ms → under 1 ms for 5,000).
 */
export async function registrationBuckets(
  sql: Sql,
  options: { eventId: string; testMode: boolean; from: Date; to: Date; unit: 'hour' | 'day'; timezone: string },
): Promise<Array<{ start: Date; count: number }>> {
  const rows = await sql.query<{ start: Date; count: number }>(
    `WITH buckets AS (
       SELECT local_start AT TIME ZONE $6 AS start, (local_start + ('1 ' || $5)::interval) AT TIME ZONE $6 AS next
       FROM generate_series(date_trunc($5, $3::timestamptz AT TIME ZONE $6), ($4::timestamptz AT TIME ZONE $6) - interval '1 microsecond',
                            ('1 ' || $5)::interval) AS s(local_start))
     SELECT b.start, (SELECT count(*)::int FROM attendees a
                      WHERE a.event_id = $1 AND a.test_mode = $2 AND a.registered_at >= greatest(b.start, $3::timestamptz)
                        AND a.registered_at < least(b.next, $4::timestamptz)) AS count
     FROM buckets b ORDER BY b.start`,
    [options.eventId, options.testMode, options.from, options.to, options.unit, options.timezone],
  );
  return rows.map((row) => ({ start: row.start, count: row.count }));
}
