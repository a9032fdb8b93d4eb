import type { Sql } from '../../db/sql.ts';

/** What erasure needs of an attendee it locked. */
export interface ErasableAttendee {
  id: string;
  email_normalized: string;
  import_job_id: string | null;
  import_row: number | null;
}

/**
 * Every attendee of the organisation with this email, not yet erased, locked in id order: through the per-event
 * unique index (event, mode, email), every event of the organisation, both modes.
 */
export async function lockErasableByEmail(sql: Sql, options: { organisationId: string; email: string }): Promise<ErasableAttendee[]> {
  return await sql.query<ErasableAttendee>(
    `SELECT id, email_normalized, import_job_id, import_row FROM attendees
     WHERE event_id IN (SELECT id FROM events WHERE organisation_id = $1) AND test_mode = ANY('{false,true}'::boolean[])
       AND email_normalized = $2 AND erased_at IS NULL
     ORDER BY id
     FOR UPDATE`,
    [options.organisationId, options.email],
  );
}

/** These attendees of the organisation, not yet erased, locked in id order. */
export async function lockErasableById(sql: Sql, options: { organisationId: string; ids: readonly string[] }): Promise<ErasableAttendee[]> {
  return await sql.query<ErasableAttendee>(
    `SELECT id, email_normalized, import_job_id, import_row FROM attendees
     WHERE id = ANY($2::text[]) AND organisation_id = $1 AND erased_at IS NULL
     ORDER BY id
     FOR UPDATE`,
    [options.organisationId, options.ids],
  );
}

/**
 * The attendees' personal data replaced: names `name`, email the erased address, phone, country and answers gone,
 * QR token re-issued and signed code revoked, erased_at set.
 */
/**
 * Erases the rows. Someone waiting (in line, offered a seat, pending approval) leaves: CANCELLED, out of the line —
 * an erased person is never given a seat. Answers the events where an offered seat was freed (its line is filled
 * once this commits).
 */
export async function eraseAttendeeRows(sql: Sql, options: { ids: readonly string[]; erasedEmails: readonly string[]; name: string }): Promise<string[]> {
  const rows = await sql.query<{ event_id: string; freed: boolean }>(
    `WITH before AS (SELECT id, status FROM attendees WHERE id = ANY($1::text[]))
     UPDATE attendees AS a
     SET first_name = $3, last_name = $3, email = e.email, email_normalized = e.email, phone = NULL, country = NULL,
         custom_data = '{}', qr_token = gen_random_uuid(), ticket_code = NULL, erased_at = now(), updated_at = now(),
         status = CASE WHEN a.status IN ('WAITLISTED', 'OFFERED', 'PENDING_APPROVAL') THEN 'CANCELLED'::"AttendeeStatus" ELSE a.status END,
         waitlist_rank = NULL
     FROM unnest($1::text[], $2::text[]) AS e(id, email), before b
     WHERE a.id = e.id AND b.id = a.id
     RETURNING a.event_id, b.status = 'OFFERED' AS freed`,
    [options.ids, options.erasedEmails, options.name],
  );
  return [...new Set(rows.filter((row) => row.freed).map((row) => row.event_id))];
}

/**
 * Events that ended more than their retention (the event's retentionDays, else the organisation's) before `now`
 * and still have attendees not erased, the oldest first.
 */
export async function eventsPastRetention(sql: Sql, now: Date): Promise<Array<{ id: string; organisation_id: string }>> {
  return await sql.query<{ id: string; organisation_id: string }>(
    `SELECT e.id, e.organisation_id FROM events e JOIN organisations o ON o.id = e.organisation_id
     WHERE coalesce(e.retention_days, o.retention_days) IS NOT NULL
       AND e.ends_at < $1::timestamptz - make_interval(days => coalesce(e.retention_days, o.retention_days))
       AND EXISTS (SELECT 1 FROM attendees a WHERE a.event_id = e.id AND a.erased_at IS NULL)
     ORDER BY e.ends_at`,
    [now],
  );
}
