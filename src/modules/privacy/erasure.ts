import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { type AuditAction, type AuditActor, audit } from '../audit/audit.service.ts';
import { containsPatterns, ERASED_NAME, emailHash, erasedEmail, type RedactionTargets, redactJson, redactJsonText, redactText } from './redaction.ts';

/** Whose data to erase: attendees by id, or every attendee of the organisation with this email. */
export type ErasureRequest = { organisationId: string } & ({ attendeeIds: readonly string[]; email?: undefined } | { email: string; attendeeIds?: undefined });

export interface ErasureResult {
  attendeeIds: string[];
  /** Dev-mailbox files to delete once the transaction committed (see removeMailboxFiles). */
  mailboxFiles: string[];
}

interface ErasedAttendee {
  id: string;
  email_normalized: string;
  import_job_id: string | null;
  import_row: number | null;
}

/**
 * Erases, in `sql`'s transaction, a person's data everywhere EventoGate copied it:
 * - the attendees: names "Erased", email a keyed hash, phone, country and answers gone, QR token and signed code
 *   revoked; id, event, ticket type, status, source and times stay (so counts and statistics do not change);
 * - webhook deliveries about them (by attendee, or any delivery whose payload holds the email): payload and every
 *   attempt's request body redacted, the receiver's answers dropped; one still pending is not sent any more;
 * - email logs: the address replaced, the error dropped, the dev-mailbox file deleted (after commit); a pending
 *   email is not sent any more;
 * - stored Idempotency-Key responses: redacted (a replay answers the erased attendee);
 * - import jobs: their rows blanked in the stored CSV (row numbers kept), row errors redacted;
 * - pg-boss jobs (data and output) that carry the person, in whatever queue and state.
 * Rows are locked in the same order as registration (attendees, then the logs), so erasure never deadlocks with
 * the hot paths. An audit entry per attendee (`action`), and for a request by email one `personal_data.erased`, are
 * written in the same transaction.
 */
export async function eraseInTransaction(
  deps: Pick<Deps, 'secretKey' | 'config'>,
  sql: Sql,
  request: ErasureRequest,
  audited: { actor: AuditActor; action: AuditAction },
): Promise<ErasureResult> {
  const attendees = await lockAttendees(sql, request);
  const emails = [...new Set([...(request.email ? [request.email] : []), ...attendees.map((a) => a.email_normalized)])];
  if (attendees.length === 0 && emails.length === 0) return { attendeeIds: [], mailboxFiles: [] };
  const targets: RedactionTargets = {
    attendees: new Map(attendees.map((a) => [a.id, erasedEmail(deps.secretKey, a.email_normalized, a.id)])),
    emails,
  };
  const ids = attendees.map((a) => a.id);

  if (ids.length > 0) {
    await sql.query(
      `UPDATE attendees AS a
       SET first_name = $3, last_name = $3, email = e.email, email_normalized = e.email, phone = NULL, country = NULL,
           custom_data = '{}', qr_token = gen_random_uuid(), ticket_code = NULL, erased_at = now(), updated_at = now()
       FROM unnest($1::text[], $2::text[]) AS e(id, email)
       WHERE a.id = e.id`,
      [ids, ids.map((id) => targets.attendees.get(id)), ERASED_NAME],
    );
  }
  const emailPatterns = containsPatterns(emails);
  await redactWebhookDeliveries(sql, request.organisationId, ids, emailPatterns, targets);
  const mailboxFiles = await redactEmailLogs(sql, request.organisationId, ids, targets);
  await redactIdempotencyResponses(sql, request.organisationId, ids, emailPatterns, targets);
  await redactImports(sql, request.organisationId, attendees, emailPatterns, targets);
  await redactJobs(sql, request.organisationId, ids, targets);
  await audit(sql, audited.actor, audited.action, ids);
  // A request by email is audited as such too, the email named only by its keyed hash.
  if (request.email !== undefined) await audit(sql, audited.actor, 'personal_data.erased', [emailHash(deps.secretKey, request.email)]);
  return { attendeeIds: ids, mailboxFiles };
}

async function lockAttendees(sql: Sql, request: ErasureRequest): Promise<ErasedAttendee[]> {
  if (request.email !== undefined) {
    // Through the per-event unique index (event, mode, email): every event of the organisation, both modes.
    return await sql.query<ErasedAttendee>(
      `SELECT id, email_normalized, import_job_id, import_row FROM attendees
       WHERE event_id IN (SELECT id FROM events WHERE organisation_id = $1) AND test_mode = ANY('{false,true}'::boolean[])
         AND email_normalized = $2 AND erased_at IS NULL
       ORDER BY id
       FOR UPDATE`,
      [request.organisationId, request.email],
    );
  }
  return await sql.query<ErasedAttendee>(
    `SELECT id, email_normalized, import_job_id, import_row FROM attendees
     WHERE id = ANY($2::text[]) AND organisation_id = $1 AND erased_at IS NULL
     ORDER BY id
     FOR UPDATE`,
    [request.organisationId, request.attendeeIds ?? []],
  );
}

async function redactWebhookDeliveries(sql: Sql, organisationId: string, ids: string[], emailPatterns: string[], targets: RedactionTargets) {
  // Theirs by attendee (index), and those of no attendee any more (deleted: SET NULL) whose payload names the email.
  const deliveries = await sql.query<{ id: string; payload: string }>(
    `SELECT d.id, d.payload FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
     WHERE w.organisation_id = $1
       AND (d.attendee_id = ANY($2::text[]) OR (d.attendee_id IS NULL AND lower(d.payload) LIKE ANY($3::text[])))
     ORDER BY d.id
     FOR UPDATE OF d`,
    [organisationId, ids, emailPatterns],
  );
  if (deliveries.length === 0) return;
  const deliveryIds = deliveries.map((d) => d.id);
  const payloads = deliveries.map((d) => redactJsonText(d.payload, targets));
  // A pending delivery is not sent any more; an attempt in flight keeps its lease, and its end records no answer
  // and no retry (erased_at, see completeAttempts and updateDeliveries).
  await sql.query(
    `UPDATE webhook_deliveries AS d
     SET payload = r.payload,
         status = CASE WHEN d.status = 'PENDING' THEN 'FAILED'::"DeliveryStatus" ELSE d.status END,
         next_attempt_at = NULL, replay_requested_at = NULL, erased_at = now(), updated_at = now()
     FROM unnest($1::text[], $2::text[]) AS r(id, payload)
     WHERE d.id = r.id`,
    [deliveryIds, payloads],
  );
  await sql.query(
    `UPDATE webhook_attempts AS a SET request_body = r.payload, response_body = NULL, error = NULL
     FROM unnest($1::text[], $2::text[]) AS r(id, payload)
     WHERE a.delivery_id = r.id`,
    [deliveryIds, payloads],
  );
}

async function redactEmailLogs(sql: Sql, organisationId: string, ids: string[], targets: RedactionTargets): Promise<string[]> {
  const logs = await sql.query<{ id: string; attendee_id: string | null; dev_mailbox_file: string | null }>(
    `SELECT id, attendee_id, dev_mailbox_file FROM email_logs
     WHERE organisation_id = $1 AND (attendee_id = ANY($2::text[]) OR (attendee_id IS NULL AND lower("to") = ANY($3::text[])))
     ORDER BY id
     FOR UPDATE`,
    [organisationId, ids, targets.emails],
  );
  if (logs.length === 0) return [];
  await sql.query(
    `UPDATE email_logs AS l
     SET "to" = r.address, error = NULL, dev_mailbox_file = NULL, updated_at = now(),
         status = CASE WHEN l.status = 'PENDING' THEN 'FAILED'::"EmailStatus" ELSE l.status END
     FROM unnest($1::text[], $2::text[]) AS r(id, address)
     WHERE l.id = r.id`,
    [logs.map((l) => l.id), logs.map((l) => (l.attendee_id && targets.attendees.get(l.attendee_id)) || 'erased@erased.invalid')],
  );
  return logs.flatMap((l) => (l.dev_mailbox_file ? [l.dev_mailbox_file] : []));
}

async function redactIdempotencyResponses(sql: Sql, organisationId: string, ids: string[], emailPatterns: string[], targets: RedactionTargets) {
  const stored = await sql.query<{ id: string; response_body: string }>(
    `SELECT id, response_body FROM idempotency_keys
     WHERE organisation_id = $1 AND response_body IS NOT NULL
       AND (response_body LIKE ANY($2::text[]) OR lower(response_body) LIKE ANY($3::text[]))
     FOR UPDATE`,
    [organisationId, containsPatterns(ids), emailPatterns],
  );
  if (stored.length === 0) return;
  await sql.query(`UPDATE idempotency_keys AS k SET response_body = r.body FROM unnest($1::text[], $2::text[]) AS r(id, body) WHERE k.id = r.id`, [
    stored.map((s) => s.id),
    stored.map((s) => redactJsonText(s.response_body, targets)),
  ]);
}

/**
 * Import jobs keep their CSV while they run (a crashed import resumes from it). The person's rows — the row an
 * attendee was created from, and any row holding their email — are blanked: every cell emptied, so row numbers
 * (and a resumed import's bookkeeping) stay, and a blank row creates nobody.
 */
async function redactImports(sql: Sql, organisationId: string, attendees: ErasedAttendee[], emailPatterns: string[], targets: RedactionTargets) {
  const rowsByJob = new Map<string, Set<number>>();
  for (const a of attendees) {
    if (a.import_job_id && a.import_row) rowsByJob.set(a.import_job_id, (rowsByJob.get(a.import_job_id) ?? new Set()).add(a.import_row));
  }
  const jobs = await sql.query<{ id: string; csv: string; errors: unknown }>(
    `SELECT id, csv, errors FROM import_jobs
     WHERE organisation_id = $1 AND (id = ANY($2::text[]) OR lower(csv) LIKE ANY($3::text[]) OR lower(errors::text) LIKE ANY($3::text[]))
     ORDER BY id
     FOR UPDATE`,
    [organisationId, [...rowsByJob.keys()], emailPatterns],
  );
  for (const job of jobs) {
    await sql.query('UPDATE import_jobs SET csv = $2, errors = $3::jsonb, updated_at = now() WHERE id = $1', [
      job.id,
      blankRows(job.csv, rowsByJob.get(job.id) ?? new Set(), targets.emails),
      JSON.stringify(redactJson(job.errors, targets)),
    ]);
  }
}

/** The CSV with the given rows (numbered as import reports them: the header is row 1) and rows holding an email blanked. */
function blankRows(csv: string, rows: ReadonlySet<number>, emails: readonly string[]): string {
  if (csv === '') return csv;
  let records: string[][];
  try {
    records = parse(csv, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: false }) as string[][];
  } catch {
    // Not parseable (the import refused it): nothing but the emails can be found in it.
    return redactText(csv, { emails });
  }
  const blanked = records.map((record, index) =>
    index > 0 && (rows.has(index + 1) || record.some((cell) => emails.some((email) => cell.toLowerCase().includes(email)))) ? record.map(() => '') : record,
  );
  return stringify(blanked);
}

/**
 * pg-boss keeps job data (and failures' output) until its retention deletes them: redact what names the erased
 * attendees. Jobs are found by ids only — the attendees' and their email logs' (a confirmation job carries its
 * email log's id; a failure's output may quote the address) — TypeIDs unique across organisations, never by the
 * email, which another organisation's jobs may hold for a person of their own: an erasure touches and locks its
 * own organisation's jobs and nothing else.
 */
async function redactJobs(sql: Sql, organisationId: string, ids: string[], targets: RedactionTargets) {
  if (ids.length === 0) return;
  const emailLogs = await sql.query<{ id: string }>('SELECT id FROM email_logs WHERE organisation_id = $1 AND attendee_id = ANY($2::text[])', [
    organisationId,
    ids,
  ]);
  const patterns = containsPatterns([...ids, ...emailLogs.map((l) => l.id)]).map((p) => p.toLowerCase());
  const jobs = await sql.query<{ id: string; name: string; data: unknown; output: unknown }>(
    `SELECT id, name, data, output FROM pgboss.job
     WHERE lower(data::text) LIKE ANY($1::text[]) OR (output IS NOT NULL AND lower(output::text) LIKE ANY($1::text[]))
     FOR UPDATE`,
    [patterns],
  );
  for (const job of jobs) {
    await sql.query('UPDATE pgboss.job SET data = $3::jsonb, output = $4::jsonb WHERE name = $1 AND id = $2', [
      job.name,
      job.id,
      JSON.stringify(redactJson(job.data, targets)),
      job.output === null ? null : JSON.stringify(redactJson(job.output, targets)),
    ]);
  }
}
