import type { Sql } from '../../db/sql.ts';
import type { Attendee, AttendeeStatus } from '../../generated/prisma/client.ts';
import { likeLiteral } from '../../lib/like.ts';

/**
 * The attendees columns the plain-SQL paths read, named once. Statements list them explicitly (never `*`):
 * they are prepared once per connection, and a prepared `SELECT *` fails with "cached plan must not change
 * result type" as soon as a newer version of EventoGate adds a column during a rolling deploy.
 * test/platform/sql-mappers.test.ts checks that `attendeeFromRow` reads every column exactly as Prisma does.
 */
export const ATTENDEE_COLUMNS = [
  'id',
  'organisation_id',
  'event_id',
  'ticket_type_id',
  'first_name',
  'last_name',
  'email',
  'email_normalized',
  'phone',
  'country',
  'status',
  'qr_token',
  'custom_data',
  'source',
  'test_mode',
  'api_key_id',
  'import_job_id',
  'import_row',
  'registered_at',
  'checked_in_at',
  'updated_at',
  'ticket_code',
  'current_zone_id',
  'sync_txid',
  'erased_at',
  'waitlist_rank',
  'offer_expires_at',
  'access_code_id',
  'access_code',
] as const;

/** `id, organisation_id, …` for a SELECT or RETURNING list. */
export const ATTENDEE_SELECT = ATTENDEE_COLUMNS.join(', ');

type AttendeeRow = Record<(typeof ATTENDEE_COLUMNS)[number], unknown>;

/** An attendees row (snake_case, as pg returns it) as Prisma's Attendee. */
export function attendeeFromRow(row: Record<string, unknown>): Attendee {
  const r = row as AttendeeRow;
  return {
    id: r.id as string,
    organisationId: r.organisation_id as string,
    eventId: r.event_id as string,
    ticketTypeId: r.ticket_type_id as string,
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    email: r.email as string,
    emailNormalized: r.email_normalized as string,
    phone: r.phone as string | null,
    country: r.country as string | null,
    status: r.status as Attendee['status'],
    qrToken: r.qr_token as string,
    customData: r.custom_data as Attendee['customData'],
    source: r.source as Attendee['source'],
    testMode: r.test_mode as boolean,
    apiKeyId: r.api_key_id as string | null,
    importJobId: r.import_job_id as string | null,
    importRow: r.import_row as number | null,
    registeredAt: r.registered_at as Date,
    checkedInAt: r.checked_in_at as Date | null,
    updatedAt: r.updated_at as Date,
    ticketCode: r.ticket_code as string | null,
    currentZoneId: r.current_zone_id as string | null,
    // int8 arrives as a string (pg does not guess at 64-bit numbers).
    syncTxid: BigInt(r.sync_txid as string),
    erasedAt: r.erased_at as Date | null,
    waitlistRank: r.waitlist_rank === null ? null : BigInt(r.waitlist_rank as string),
    offerExpiresAt: r.offer_expires_at as Date | null,
    accessCodeId: r.access_code_id as string | null,
    accessCode: r.access_code as string | null,
  };
}

/** What the dashboard's attendee list filters on (service-validated values). */
export interface AttendeeFilter {
  eventId: string;
  testMode: boolean;
  status?: AttendeeStatus | null | undefined;
  checkedIn?: boolean | null | undefined;
  ticketTypeId?: string | null | undefined;
  source?: string | null | undefined;
  /** Exact, lower-cased. */
  emailNormalized?: string | null | undefined;
  search?: string | null | undefined;
}

/** Exactly the expression of attendees_search_idx (migration 20261206231500_search_trgm), or the index is not used. */
const SEARCH_EXPRESSION = `(first_name || ' ' || last_name || ' ' || email)`;

/** A WHERE clause for `filter`, its values numbered from $1. */
function filterClause(filter: AttendeeFilter): { where: string; values: unknown[] } {
  const values: unknown[] = [filter.eventId, filter.testMode];
  const parts = ['event_id = $1', 'test_mode = $2'];
  const add = (value: unknown, clause: (param: string) => string) => {
    values.push(value);
    parts.push(clause(`$${values.length}`));
  };
  if (filter.status) add(filter.status, (p) => `status = ${p}::"AttendeeStatus"`);
  if (filter.checkedIn != null) parts.push(filter.checkedIn ? `status = 'CHECKED_IN'` : `status <> 'CHECKED_IN'`);
  if (filter.ticketTypeId) add(filter.ticketTypeId, (p) => `ticket_type_id = ${p}`);
  if (filter.source) add(filter.source, (p) => `source = ${p}::"RegistrationSource"`);
  if (filter.emailNormalized) add(filter.emailNormalized, (p) => `email_normalized = ${p}`);
  if (filter.search) {
    // The expression is what attendees_search_idx (trigrams) holds: a rare pattern reads only its matches. The three
    // columns' ILIKEs keep the meaning (a match within one of them, never across two).
    add(`%${likeLiteral(filter.search)}%`, (p) => `${SEARCH_EXPRESSION} ILIKE ${p} AND (first_name ILIKE ${p} OR last_name ILIKE ${p} OR email ILIKE ${p})`);
  }
  return { where: parts.join(' AND '), values };
}

/**
 * The list orders, each one or more segments listed one after the other: a segment is the rows matching its
 * condition in its columns' order, ending with the id so the order is total. Each segment has an index
 * (event_id, test_mode, …columns) that PostgreSQL walks, so a page never sorts the event's attendees.
 * CHECKED_IN_AT_DESC lists the checked-in by check-in time (a partial index: registrations, never checked in
 * yet, do not write to it) and then everyone else, newest registration first.
 */
interface OrderSegment {
  columns: readonly string[];
  desc: boolean;
  where?: string;
  /** Whether a row (selected with every column the order names) is in this segment. */
  holds?: (row: Record<string, unknown>) => boolean;
}

export const ATTENDEE_ORDER_SEGMENTS: Record<string, readonly OrderSegment[]> = {
  REGISTERED_AT_ASC: [{ columns: ['registered_at', 'id'], desc: false }],
  REGISTERED_AT_DESC: [{ columns: ['registered_at', 'id'], desc: true }],
  LAST_NAME_ASC: [{ columns: ['last_name', 'first_name', 'id'], desc: false }],
  CHECKED_IN_AT_DESC: [
    { columns: ['checked_in_at', 'id'], desc: true, where: 'checked_in_at IS NOT NULL', holds: (row) => row.checked_in_at !== null },
    { columns: ['registered_at', 'id'], desc: true, where: 'checked_in_at IS NULL', holds: (row) => row.checked_in_at === null },
  ],
};

export type AttendeeOrder = 'REGISTERED_AT_ASC' | 'REGISTERED_AT_DESC' | 'LAST_NAME_ASC' | 'CHECKED_IN_AT_DESC';

/**
 * Where a page starts: after (or before, when `take` is negative) an attendee of this list named by id, or a
 * position in the order given by its columns' values (REST's cursor carries them, so it needs no row).
 */
export type AttendeeCursor = { id: string } | { position: Record<string, unknown> };

/**
 * One page of attendees in `order`, keyset-paginated from a cursor (strictly after it, or before it when `take` is
 * negative, as Prisma's cursor pagination is; the rows come back in list order either way): one index range per
 * segment, from the cursor's segment on (or back). `columns` is what each row carries (the id, or every column).
 * Returns null when a cursor id is not an attendee of this list.
 */
export async function pageAttendeeRows(
  sql: Sql,
  options: { filter: AttendeeFilter; order: AttendeeOrder; take: number; cursor?: AttendeeCursor | undefined; columns: 'id' | 'all' },
): Promise<Array<Record<string, unknown>> | null> {
  const segments = ATTENDEE_ORDER_SEGMENTS[options.order]!;
  const backward = options.take < 0;
  let cursor: Record<string, unknown> | undefined;
  if (options.cursor && 'id' in options.cursor) {
    const columns = [...new Set(['id', 'checked_in_at', ...segments.flatMap((segment) => segment.columns)])];
    [cursor] = await sql.query<Record<string, unknown>>(`SELECT ${columns.join(', ')} FROM attendees WHERE id = $1 AND event_id = $2 AND test_mode = $3`, [
      options.cursor.id,
      options.filter.eventId,
      options.filter.testMode,
    ]);
    if (!cursor) return null;
  } else if (options.cursor) {
    cursor = options.cursor.position;
  }
  const at = cursor ? segments.findIndex((segment) => segment.holds?.(cursor) ?? true) : backward ? segments.length - 1 : 0;
  // Walking the list forward from the cursor's segment, or backward towards the first.
  const walk = backward ? segments.slice(0, at + 1).reverse() : segments.slice(at);
  const rows: Array<Record<string, unknown>> = [];
  for (const [i, segment] of walk.entries()) {
    const remaining = Math.abs(options.take) - rows.length;
    if (remaining <= 0) break;
    const desc = segment.desc !== backward;
    const { where, values } = filterClause(options.filter);
    const conditions = [where, ...(segment.where ? [segment.where] : [])];
    if (cursor && i === 0) {
      const params = segment.columns.map((column) => {
        values.push(cursor[column]);
        return `$${values.length}`;
      });
      conditions.push(`(${segment.columns.join(', ')}) ${desc ? '<' : '>'} (${params.join(', ')})`);
    }
    values.push(remaining);
    const page = await sql.query<Record<string, unknown>>(
      `SELECT ${options.columns === 'all' ? ATTENDEE_SELECT : 'id'} FROM attendees WHERE ${conditions.join(' AND ')} ` +
        `ORDER BY ${segment.columns.map((c) => `${c} ${desc ? 'DESC' : 'ASC'}`).join(', ')} LIMIT $${values.length}`,
      values,
    );
    rows.push(...page);
  }
  return backward ? rows.reverse() : rows;
}

/** One attendee of an event in a mode, every column; undefined if there is none. */
export async function findEventAttendee(sql: Sql, options: { id: string; eventId: string; testMode: boolean }): Promise<Attendee | undefined> {
  const [row] = await sql.query<Record<string, unknown>>(`SELECT ${ATTENDEE_SELECT} FROM attendees WHERE id = $1 AND event_id = $2 AND test_mode = $3`, [
    options.id,
    options.eventId,
    options.testMode,
  ]);
  return row ? attendeeFromRow(row) : undefined;
}

/** How many attendees match `filter`, counting at most `cap` rows. */
export async function countAttendeesUpTo(sql: Sql, filter: AttendeeFilter, cap: number): Promise<number> {
  const { where, values } = filterClause(filter);
  const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM attendees WHERE ${where} LIMIT ${cap}) AS matching`, values);
  return row?.n ?? 0;
}

/**
 * Each waitlisted attendee's place in its ticket type's line (1 = next), counted over the line's index; attendees
 * not in a line are absent from the map.
 */
export async function waitlistPositions(sql: Sql, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ id: string; position: number }>(
    `SELECT a.id, (SELECT count(*)::int FROM attendees b
                   WHERE b.ticket_type_id = a.ticket_type_id AND b.test_mode = a.test_mode AND b.waitlist_rank <= a.waitlist_rank) AS position
     FROM attendees a WHERE a.id = ANY($1::text[]) AND a.waitlist_rank IS NOT NULL`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.position]));
}

/** Whether an event has access codes: its CSV then has an access_code column. */
export async function eventUsesAccessCodes(sql: Sql, eventId: string): Promise<boolean> {
  const [row] = await sql.query<{ used: boolean }>('SELECT EXISTS (SELECT 1 FROM access_codes WHERE event_id = $1) AS used', [eventId]);
  return row?.used ?? false;
}
