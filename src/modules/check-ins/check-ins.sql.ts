import type { Sql } from '../../db/sql.ts';

/** The check-in path's SQL (plain pg; the decision itself is the door's, door.sql.ts). */

/** Whose ticket (or attendee id) this is: its event, organisation and mode, to route the scan to its event's door. */
export async function findTicketHolder(
  sql: Sql,
  key: { qrToken: string | null; attendeeId: string | null },
): Promise<{ eventId: string; organisationId: string; testMode: boolean } | null> {
  const [row] = key.qrToken
    ? await sql.query<{ event_id: string; organisation_id: string; test_mode: boolean }>(
        'SELECT event_id, organisation_id, test_mode FROM attendees WHERE qr_token = $1::uuid',
        [key.qrToken],
      )
    : await sql.query<{ event_id: string; organisation_id: string; test_mode: boolean }>(
        'SELECT event_id, organisation_id, test_mode FROM attendees WHERE id = $1',
        [key.attendeeId],
      );
  return row ? { eventId: row.event_id, organisationId: row.organisation_id, testMode: row.test_mode } : null;
}

/** A checked-in attendee back to registered; false when they were not checked in (nothing changes then). */
export async function undoFirstEntry(sql: Sql, attendeeId: string): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE attendees SET status = 'REGISTERED', checked_in_at = NULL, updated_at = now() WHERE id = $1 AND status = 'CHECKED_IN' RETURNING id`,
    [attendeeId],
  );
  return rows.length > 0;
}
