import type { Sql } from '../../db/sql.ts';
import type { AttendeeStatus } from '../../generated/prisma/client.ts';
import { ATTENDEE_SELECT } from '../attendees/index.ts';

/**
 * The waitlist's and approval's SQL (plain pg, explicit columns: see registrations.sql.ts). A line is a ticket type's
 * WAITLISTED attendees of one mode ordered by waitlist_rank (attendees_waitlist_idx); ranks come from
 * attendee_waitlist_rank_seq and are taken under the ticket type's row lock, so they follow arrival.
 */

/** `count` fresh ranks, ascending. */
export async function nextWaitlistRanks(sql: Sql, count: number): Promise<bigint[]> {
  if (count === 0) return [];
  const rows = await sql.query<{ rank: string }>("SELECT nextval('attendee_waitlist_rank_seq')::text AS rank FROM generate_series(1, $1)", [count]);
  return rows.map((row) => BigInt(row.rank)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Puts these attendees in line with these ranks; returns their rows. */
export async function putInLine(sql: Sql, ids: readonly string[], ranks: readonly bigint[]): Promise<Record<string, unknown>[]> {
  if (ids.length === 0) return [];
  return await sql.query(
    `UPDATE attendees a SET status = 'WAITLISTED', waitlist_rank = t.rank, offer_expires_at = NULL, updated_at = now()
     FROM unnest($1::text[], $2::bigint[]) AS t(id, rank) WHERE a.id = t.id
     RETURNING ${ATTENDEE_SELECT.replace(/(^|, )/g, '$1a.')}`,
    [ids, ranks.map(String)],
  );
}

/** Which of these ticket types have someone in line, as `${ticketTypeId}\n${testMode}` keys. */
export async function nonEmptyLines(sql: Sql, ticketTypeIds: readonly string[]): Promise<Set<string>> {
  if (ticketTypeIds.length === 0) return new Set();
  const rows = await sql.query<{ id: string; test_mode: boolean }>(
    `SELECT t.id, m.test_mode FROM unnest($1::text[]) AS t(id) CROSS JOIN (VALUES (false), (true)) AS m(test_mode)
     WHERE EXISTS (SELECT 1 FROM attendees a WHERE a.ticket_type_id = t.id AND a.test_mode = m.test_mode AND a.waitlist_rank IS NOT NULL)`,
    [ticketTypeIds],
  );
  return new Set(rows.map((row) => `${row.id}\n${row.test_mode}`));
}

/** Each line's length (`${ticketTypeId}\n${testMode}`), from the trigger-kept counters: a few shard rows per type. */
export async function lineLengths(sql: Sql, eventIds: readonly string[], ticketTypeIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await sql.query<{ id: string; test_mode: boolean; waiting: number }>(
    `SELECT ticket_type_id AS id, test_mode, sum(waitlisted)::int AS waiting FROM event_attendee_counts
     WHERE event_id = ANY($1::text[]) AND ticket_type_id = ANY($2::text[]) GROUP BY 1, 2`,
    [eventIds, ticketTypeIds],
  );
  return new Map(rows.map((row) => [`${row.id}\n${row.test_mode}`, row.waiting]));
}

/**
 * Seats taken and people waiting per ticket type and per event (`${id}\n${testMode}` keys) of these events, from the
 * trigger-kept counters in one statement.
 */
export async function seatCounts(sql: Sql, eventIds: readonly string[]): Promise<{ taken: Map<string, number>; waiting: Map<string, number> }> {
  const rows = await sql.query<{ event_id: string; ticket_type_id: string; test_mode: boolean; taken: number; waiting: number }>(
    `SELECT event_id, ticket_type_id, test_mode, sum(registered)::int AS taken, sum(waitlisted)::int AS waiting
     FROM event_attendee_counts WHERE event_id = ANY($1::text[]) GROUP BY 1, 2, 3`,
    [eventIds],
  );
  const taken = new Map<string, number>();
  const waiting = new Map<string, number>();
  for (const row of rows) {
    const eventKey = `${row.event_id}\n${row.test_mode}`;
    taken.set(eventKey, (taken.get(eventKey) ?? 0) + row.taken);
    taken.set(`${row.ticket_type_id}\n${row.test_mode}`, row.taken);
    waiting.set(`${row.ticket_type_id}\n${row.test_mode}`, row.waiting);
  }
  return { taken, waiting };
}

/** The first `limit` of a line, in order: id, rank and the access code they registered with. */
export async function lineHead(
  sql: Sql,
  options: { ticketTypeId: string; testMode: boolean; limit: number },
): Promise<Array<{ id: string; rank: bigint; accessCodeId: string | null }>> {
  const rows = await sql.query<{ id: string; rank: string; access_code_id: string | null }>(
    `SELECT id, waitlist_rank::text AS rank, access_code_id FROM attendees
     WHERE ticket_type_id = $1 AND test_mode = $2 AND waitlist_rank IS NOT NULL ORDER BY waitlist_rank LIMIT $3`,
    [options.ticketTypeId, options.testMode, options.limit],
  );
  return rows.map((row) => ({ id: row.id, rank: BigInt(row.rank), accessCodeId: row.access_code_id }));
}

/** Locks these attendees (id order) and answers the ones still in line. */
export async function lockWaiting(sql: Sql, ids: readonly string[]): Promise<string[]> {
  const rows = await sql.query<{ id: string }>('SELECT id FROM attendees WHERE id = ANY($1::text[]) AND waitlist_rank IS NOT NULL ORDER BY id FOR UPDATE', [
    ids,
  ]);
  return rows.map((row) => row.id);
}

/**
 * Takes attendees out of their line into a seat: REGISTERED, or OFFERED until `offerExpiresAt` (null for the
 * registered). Returns the changed rows.
 */
export async function seatFromLine(
  sql: Sql,
  rows: ReadonlyArray<{ id: string; status: Extract<AttendeeStatus, 'REGISTERED' | 'OFFERED'>; offerExpiresAt: Date | null }>,
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  return await sql.query(
    `UPDATE attendees a SET status = t.status, waitlist_rank = NULL, offer_expires_at = t.expires, updated_at = now()
     FROM unnest($1::text[], $2::"AttendeeStatus"[], $3::timestamptz[]) AS t(id, status, expires)
     WHERE a.id = t.id AND a.waitlist_rank IS NOT NULL
     RETURNING ${ATTENDEE_SELECT.replace(/(^|, )/g, '$1a.')}`,
    [rows.map((r) => r.id), rows.map((r) => r.status), rows.map((r) => r.offerExpiresAt)],
  );
}

/** One attendee's status (and what leaving the line or an offer means: no rank; an offer's time kept). */
export async function setStatus(
  sql: Sql,
  options: { id: string; status: AttendeeStatus; waitlistRank?: bigint | null },
): Promise<Record<string, unknown> | undefined> {
  const [row] = await sql.query(
    `UPDATE attendees SET status = $2::"AttendeeStatus", waitlist_rank = $3::bigint, updated_at = now()
     WHERE id = $1 RETURNING ${ATTENDEE_SELECT}`,
    [options.id, options.status, options.waitlistRank === undefined || options.waitlistRank === null ? null : String(options.waitlistRank)],
  );
  return row;
}

/** The smallest rank in a line (a new first place is one less), or null for an empty line. */
export async function firstRank(sql: Sql, options: { ticketTypeId: string; testMode: boolean }): Promise<bigint | null> {
  const [row] = await sql.query<{ rank: string | null }>(
    'SELECT min(waitlist_rank)::text AS rank FROM attendees WHERE ticket_type_id = $1 AND test_mode = $2 AND waitlist_rank IS NOT NULL',
    [options.ticketTypeId, options.testMode],
  );
  return row?.rank ? BigInt(row.rank) : null;
}

/** A whole line in order, ids only (moving an entry renumbers it). */
export async function lineIds(sql: Sql, options: { ticketTypeId: string; testMode: boolean }): Promise<Array<{ id: string; rank: bigint }>> {
  const rows = await sql.query<{ id: string; rank: string }>(
    `SELECT id, waitlist_rank::text AS rank FROM attendees
     WHERE ticket_type_id = $1 AND test_mode = $2 AND waitlist_rank IS NOT NULL ORDER BY waitlist_rank FOR UPDATE`,
    [options.ticketTypeId, options.testMode],
  );
  return rows.map((row) => ({ id: row.id, rank: BigInt(row.rank) }));
}

/** Gives a line's entries these ranks (the same set of ranks, reordered). */
export async function rerank(sql: Sql, ids: readonly string[], ranks: readonly bigint[]): Promise<void> {
  await sql.query('UPDATE attendees a SET waitlist_rank = t.rank, updated_at = now() FROM unnest($1::text[], $2::bigint[]) AS t(id, rank) WHERE a.id = t.id', [
    ids,
    ranks.map(String),
  ]);
}

/** Offers past their time, oldest first (attendees_offer_expiry_idx): id, event, mode. */
export async function expiredOffers(
  sql: Sql,
  now: Date,
  limit: number,
): Promise<Array<{ id: string; event_id: string; ticket_type_id: string; test_mode: boolean }>> {
  return await sql.query(
    `SELECT id, event_id, ticket_type_id, test_mode FROM attendees WHERE status = 'OFFERED' AND offer_expires_at < $1 ORDER BY offer_expires_at LIMIT $2`,
    [now, limit],
  );
}

/** The ticket types of an event, id order (a fill locks them all, registration's order). */
export async function eventTicketTypeIds(sql: Sql, eventId: string): Promise<string[]> {
  const rows = await sql.query<{ id: string }>('SELECT id FROM ticket_types WHERE event_id = $1 ORDER BY id', [eventId]);
  return rows.map((row) => row.id);
}

/** Attendee rows by id, every column. */
export async function attendeeRows(sql: Sql, ids: readonly string[]): Promise<Record<string, unknown>[]> {
  if (ids.length === 0) return [];
  return await sql.query(`SELECT ${ATTENDEE_SELECT} FROM attendees WHERE id = ANY($1::text[])`, [ids]);
}

/**
 * One more seat in a limit that is full (called under the event's lock): the event's capacity, the ticket type's, or a
 * quota's size. A limit full only because seats are held for a code's holders grows the same way.
 */
export async function addSeat(sql: Sql, limit: { kind: 'event' | 'ticketType' | 'quota'; id: string }): Promise<void> {
  const table = { event: 'events', ticketType: 'ticket_types', quota: 'quotas' }[limit.kind];
  const column = limit.kind === 'quota' ? 'size' : 'capacity';
  await sql.query(`UPDATE ${table} SET ${column} = ${column} + 1, updated_at = now() WHERE id = $1 AND ${column} IS NOT NULL`, [limit.id]);
}

/** Events with an access code that held seats and expired in (from, to]: their held seats have just been released. */
export async function eventsWithCodesExpiredSince(sql: Sql, from: Date, to: Date): Promise<string[]> {
  const rows = await sql.query<{ event_id: string }>(
    `SELECT DISTINCT event_id FROM access_codes WHERE reserved_seats > 0 AND enabled AND valid_until > $1 AND valid_until <= $2`,
    [from, to],
  );
  return rows.map((row) => row.event_id);
}
