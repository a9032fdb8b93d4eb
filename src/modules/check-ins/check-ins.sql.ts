import type { Sql } from '../../db/sql.ts';
import type { Attendee } from '../../generated/prisma/client.ts';
import { ATTENDEE_SELECT, attendeeFromRow } from '../attendees/attendees.sql.ts';

/** The check-in path's SQL (plain pg, prepared per connection; explicit columns, see attendees.sql.ts). */

export async function findAttendeesByTokenOrId(sql: Sql, tokens: string[], ids: string[]): Promise<Attendee[]> {
  const rows = await sql.query(`SELECT ${ATTENDEE_SELECT} FROM attendees WHERE qr_token = ANY($1::uuid[]) OR id = ANY($2::text[])`, [tokens, ids]);
  return rows.map(attendeeFromRow);
}

/** The first check-in of each: one conditional UPDATE, so of simultaneous scans exactly one wins. */
export async function markCheckedIn(sql: Sql, ids: string[]): Promise<Attendee[]> {
  const rows = await sql.query(
    `UPDATE attendees SET status = 'CHECKED_IN', checked_in_at = now(), updated_at = now(), sync_txid = pg_current_xact_id()::text::bigint
     WHERE id = ANY($1::text[]) AND status IN ('REGISTERED', 'NO_SHOW') RETURNING ${ATTENDEE_SELECT}`,
    [ids],
  );
  return rows.map(attendeeFromRow);
}

export async function findAttendeesById(sql: Sql, ids: string[]): Promise<Attendee[]> {
  if (ids.length === 0) return [];
  return (await sql.query(`SELECT ${ATTENDEE_SELECT} FROM attendees WHERE id = ANY($1::text[])`, [ids])).map(attendeeFromRow);
}
