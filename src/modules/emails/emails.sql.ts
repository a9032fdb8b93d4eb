import type { Sql } from '../../db/sql.ts';

/** Deletes email logs (not pending) created before `before`; answers the dev-mailbox files they pointed to. */
export async function deleteEmailLogsBefore(sql: Sql, before: Date): Promise<{ count: number; files: string[] }> {
  const rows = await sql.query<{ dev_mailbox_file: string | null }>(
    `DELETE FROM email_logs WHERE created_at < $1 AND status <> 'PENDING' RETURNING dev_mailbox_file`,
    [before],
  );
  return { count: rows.length, files: rows.flatMap((row) => (row.dev_mailbox_file ? [row.dev_mailbox_file] : [])) };
}

/**
 * The organisation's email logs to these attendees, and those of no attendee whose address is one of the emails;
 * locked in id order.
 */
export async function lockEmailLogsOf(
  sql: Sql,
  options: { organisationId: string; attendeeIds: readonly string[]; emails: readonly string[] },
): Promise<Array<{ id: string; attendee_id: string | null; dev_mailbox_file: string | null }>> {
  return await sql.query<{ id: string; attendee_id: string | null; dev_mailbox_file: string | null }>(
    `SELECT id, attendee_id, dev_mailbox_file FROM email_logs
     WHERE organisation_id = $1 AND (attendee_id = ANY($2::text[]) OR (attendee_id IS NULL AND lower("to") = ANY($3::text[])))
     ORDER BY id
     FOR UPDATE`,
    [options.organisationId, options.attendeeIds, options.emails],
  );
}

/** New addresses for email logs, their errors and mailbox files dropped; a pending email is not sent any more. */
export async function redactEmailLogs(sql: Sql, logs: ReadonlyArray<{ id: string; address: string }>): Promise<void> {
  await sql.query(
    `UPDATE email_logs AS l
     SET "to" = r.address, error = NULL, dev_mailbox_file = NULL, updated_at = now(),
         status = CASE WHEN l.status = 'PENDING' THEN 'FAILED'::"EmailStatus" ELSE l.status END
     FROM unnest($1::text[], $2::text[]) AS r(id, address)
     WHERE l.id = r.id`,
    [logs.map((l) => l.id), logs.map((l) => l.address)],
  );
}

/** Email logs (PENDING) of one kind, in one statement. */
export async function insertPendingEmailLogs(
  sql: Sql,
  kind: string,
  logs: ReadonlyArray<{ id: string; organisationId: string; eventId: string; attendeeId: string; to: string; subject: string }>,
): Promise<void> {
  await sql.query(
    `INSERT INTO email_logs (id, organisation_id, event_id, attendee_id, kind, "to", subject, updated_at)
     SELECT id, organisation_id, event_id, attendee_id, $5, "to", subject, now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::text[], $7::text[]) AS t(id, organisation_id, event_id, attendee_id, "to", subject)`,
    [
      logs.map((l) => l.id),
      logs.map((l) => l.organisationId),
      logs.map((l) => l.eventId),
      logs.map((l) => l.attendeeId),
      kind,
      logs.map((l) => l.to),
      logs.map((l) => l.subject),
    ],
  );
}

/** Which of these dev-mailbox files an email log points to. */
export async function referencedMailboxFiles(sql: Sql, files: readonly string[]): Promise<Set<string>> {
  if (files.length === 0) return new Set();
  const rows = await sql.query<{ dev_mailbox_file: string }>(`SELECT dev_mailbox_file FROM email_logs WHERE dev_mailbox_file = ANY($1::text[])`, [files]);
  return new Set(rows.map((row) => row.dev_mailbox_file));
}
