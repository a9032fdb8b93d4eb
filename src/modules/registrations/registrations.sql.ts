import type { Sql } from '../../db/sql.ts';
import type { AttendeeStatus, EventStatus, WaitlistMode } from '../../generated/prisma/client.ts';
import { ATTENDEE_SELECT } from '../attendees/index.ts';

/**
 * The registration write path's SQL (plain pg, prepared per connection: see src/db/sql.ts). Explicit column lists
 * only, so a column added by a newer version mid-deploy changes nothing here.
 */

/** What the rules need from an event, read under its row lock. */
export interface LockedEvent {
  id: string;
  status: EventStatus;
  capacity: number | null;
  registration_opens_at: Date | null;
  registration_closes_at: Date | null;
  ends_at: Date;
  /** Quotas or seat-holding access codes: seats are counted under this row's exclusive lock (seats.ts). */
  shared_limits: boolean;
}

export interface LockedTicketType {
  id: string;
  capacity: number | null;
  waitlist: WaitlistMode;
  offer_hours: number;
  requires_approval: boolean;
  hidden: boolean;
}

/**
 * FOR UPDATE serialises registrations that count seats (capacity); FOR SHARE lets the others run side by side
 * while still making a status change, a capacity change or a deletion wait until they commit (and them wait for
 * it). Callers lock in id order, events before ticket types, so two transactions never wait on each other in a
 * circle.
 */
export type LockMode = 'FOR UPDATE' | 'FOR SHARE';

export async function lockEvents(sql: Sql, ids: string[], mode: LockMode): Promise<LockedEvent[]> {
  return await sql.query<LockedEvent>(
    `SELECT id, status, capacity, registration_opens_at, registration_closes_at, ends_at, shared_limits
     FROM events WHERE id = ANY($1::text[]) ORDER BY id ${mode}`,
    [ids],
  );
}

export async function lockTicketTypes(sql: Sql, ids: string[], mode: LockMode): Promise<LockedTicketType[]> {
  return await sql.query<LockedTicketType>(
    `SELECT id, capacity, waitlist, offer_hours, requires_approval, hidden FROM ticket_types WHERE id = ANY($1::text[]) ORDER BY id ${mode}`,
    [ids],
  );
}

export interface AttendeeInsertColumns {
  id: string[];
  organisationId: string[];
  eventId: string[];
  ticketTypeId: string[];
  firstName: string[];
  lastName: string[];
  email: string[];
  emailNormalized: string[];
  phone: Array<string | null>;
  country: Array<string | null>;
  qrToken: string[];
  customData: string[];
  source: string[];
  testMode: boolean[];
  apiKeyId: Array<string | null>;
  importJobId: Array<string | null>;
  importRow: Array<number | null>;
  /** The signed code (eg1.…) for events with ticketCodes SIGNED; null otherwise. */
  ticketCode: Array<string | null>;
  /** REGISTERED; PENDING_APPROVAL for a type that requires approval; WAITLISTED (with a rank) for a full one. */
  status: AttendeeStatus[];
  /** A place in line (bigint as text) for the WAITLISTED, else null. */
  waitlistRank: Array<string | null>;
  /** The access code used (its id, and its text as the organiser wrote it), or null. */
  accessCodeId: Array<string | null>;
  accessCode: Array<string | null>;
}

/**
 * One multi-row INSERT; a row whose email is taken (per event and mode) is skipped, not an error: the caller
 * answers it with the duplicate-email 422. Returns the inserted rows.
 */
export async function insertAttendees(sql: Sql, c: AttendeeInsertColumns): Promise<Record<string, unknown>[]> {
  return await sql.query(
    `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized,
       phone, country, qr_token, custom_data, source, test_mode, api_key_id, import_job_id, import_row, ticket_code, status, waitlist_rank,
       access_code_id, access_code, updated_at)
     SELECT id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized,
       phone, country, qr_token, custom_data, source, test_mode, api_key_id, import_job_id, import_row, ticket_code, status, waitlist_rank,
       access_code_id, access_code, now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::uuid[], $12::jsonb[], $13::"RegistrationSource"[], $14::boolean[], $15::text[], $16::text[], $17::int[],
       $18::text[], $19::"AttendeeStatus"[], $20::bigint[], $21::text[], $22::text[])
       AS t(id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized,
       phone, country, qr_token, custom_data, source, test_mode, api_key_id, import_job_id, import_row, ticket_code, status, waitlist_rank,
       access_code_id, access_code)
     ON CONFLICT (event_id, test_mode, email_normalized) DO NOTHING
     RETURNING ${ATTENDEE_SELECT}`,
    [
      c.id,
      c.organisationId,
      c.eventId,
      c.ticketTypeId,
      c.firstName,
      c.lastName,
      c.email,
      c.emailNormalized,
      c.phone,
      c.country,
      c.qrToken,
      c.customData,
      c.source,
      c.testMode,
      c.apiKeyId,
      c.importJobId,
      c.importRow,
      c.ticketCode,
      c.status,
      c.waitlistRank,
      c.accessCodeId,
      c.accessCode,
    ],
  );
}

/** An access code as registration decides on it, read under its row lock. */
export interface LockedAccessCode {
  id: string;
  event_id: string;
  code: string;
  code_normalized: string;
  ticket_type_ids: string[];
  max_uses: number | null;
  valid_from: Date | null;
  valid_until: Date | null;
  enabled: boolean;
}

/**
 * Locks the codes these registrations name (FOR UPDATE, id order; after the events and ticket types), so the uses of
 * one code are counted one transaction at a time: exactly maxUses registrations succeed however many arrive at once.
 */
export async function lockAccessCodes(sql: Sql, keys: ReadonlyArray<{ eventId: string; normalized: string }>): Promise<LockedAccessCode[]> {
  if (keys.length === 0) return [];
  return await sql.query<LockedAccessCode>(
    `SELECT id, event_id, code, code_normalized, ticket_type_ids, max_uses, valid_from, valid_until, enabled FROM access_codes
     WHERE (event_id, code_normalized) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY id FOR UPDATE`,
    [keys.map((k) => k.eventId), keys.map((k) => k.normalized)],
  );
}

/** One code by its text (any case), unlocked: what the public form shows for it. */
export async function findAccessCode(sql: Sql, eventId: string, normalized: string): Promise<LockedAccessCode | undefined> {
  const [row] = await sql.query<LockedAccessCode>(
    `SELECT id, event_id, code, code_normalized, ticket_type_ids, max_uses, valid_from, valid_until, enabled FROM access_codes
     WHERE event_id = $1 AND code_normalized = $2`,
    [eventId, normalized],
  );
  return row;
}

/** Registrations made with these codes that still count as uses (not cancelled or declined), per `${id}\n${testMode}`. */
export async function accessCodeUses(sql: Sql, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ id: string; test_mode: boolean; uses: number }>(
    `SELECT access_code_id AS id, test_mode, count(*)::int AS uses FROM attendees
     WHERE access_code_id = ANY($1::text[]) AND status NOT IN ('CANCELLED', 'DECLINED') GROUP BY 1, 2`,
    [ids],
  );
  return new Map(rows.map((row) => [`${row.id}\n${row.test_mode}`, row.uses]));
}

export async function deleteAttendees(sql: Sql, ids: string[]): Promise<void> {
  await sql.query('DELETE FROM attendees WHERE id = ANY($1::text[])', [ids]);
}

export interface LockedAttendee {
  status: AttendeeStatus;
  ticket_type_id: string;
  checked_in_at: Date | null;
  test_mode: boolean;
  offer_expires_at: Date | null;
}

/** Locks one attendee's row for a change decided on its current state; undefined if it is gone. */
export async function lockAttendee(sql: Sql, id: string): Promise<LockedAttendee | undefined> {
  const [row] = await sql.query<LockedAttendee>(
    'SELECT status, ticket_type_id, checked_in_at, test_mode, offer_expires_at FROM attendees WHERE id = $1 FOR UPDATE',
    [id],
  );
  return row;
}

/** A status set by hand: the check-in time as given, out of any line. Returns the row. */
export async function updateAttendeeStatus(
  sql: Sql,
  options: { id: string; status: AttendeeStatus; checkedInAt: Date | null },
): Promise<Record<string, unknown> | undefined> {
  const [row] = await sql.query(
    `UPDATE attendees SET status = $2::"AttendeeStatus", checked_in_at = $3, waitlist_rank = NULL, updated_at = now()
     WHERE id = $1 RETURNING ${ATTENDEE_SELECT}`,
    [options.id, options.status, options.checkedInAt],
  );
  return row;
}
