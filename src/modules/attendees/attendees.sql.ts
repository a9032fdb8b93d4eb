import type { Sql } from '../../db/sql.ts';
import type { Attendee, AttendeeStatus } from '../../generated/prisma/client.ts';

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
  };
}

/** Locks one attendee's row for a change decided on its current state; undefined if it is gone. */
export async function lockAttendee(sql: Sql, id: string): Promise<{ status: AttendeeStatus; ticket_type_id: string; checked_in_at: Date | null } | undefined> {
  const [row] = await sql.query<{ status: AttendeeStatus; ticket_type_id: string; checked_in_at: Date | null }>(
    'SELECT status, ticket_type_id, checked_in_at FROM attendees WHERE id = $1 FOR UPDATE',
    [id],
  );
  return row;
}
