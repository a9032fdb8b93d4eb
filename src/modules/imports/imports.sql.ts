import type { Sql } from '../../db/sql.ts';
import type { ImportRowError } from './import-csv.ts';

/** The import runner's SQL, run inside each batch's registration transaction. */

/** Rows of this import that exist already (written by an earlier run of the same job). */
export async function importedRows(sql: Sql, importJobId: string, rows: number[]): Promise<Set<number>> {
  const found = await sql.query<{ import_row: number }>('SELECT import_row FROM attendees WHERE import_job_id = $1 AND import_row = ANY($2::int[])', [
    importJobId,
    rows,
  ]);
  return new Set(found.map((r) => r.import_row));
}

/**
 * Of these keyed email hashes (lib/redaction.ts emailHash), those of people erased in the organisation since
 * `since`: an erased attendee's email starts with its hash (`<hash>.<id>@erased.invalid`). Reads the partial
 * index attendees_erased_idx.
 */
export async function erasedSince(sql: Sql, options: { organisationId: string; since: Date; hashes: string[] }): Promise<Set<string>> {
  if (options.hashes.length === 0) return new Set();
  const found = await sql.query<{ hash: string }>(
    `SELECT split_part(email, '.', 1) AS hash FROM attendees
     WHERE organisation_id = $1 AND erased_at IS NOT NULL AND erased_at >= $2 AND split_part(email, '.', 1) = ANY($3::text[])`,
    [options.organisationId, options.since, options.hashes],
  );
  return new Set(found.map((r) => r.hash));
}

/** Of these normalised emails, those registered for the event already (live attendees; the dry run's duplicates). */
export async function registeredEmails(sql: Sql, options: { eventId: string; emails: string[] }): Promise<Set<string>> {
  if (options.emails.length === 0) return new Set();
  const found = await sql.query<{ email: string }>(
    'SELECT email_normalized AS email FROM attendees WHERE event_id = $1 AND test_mode = false AND email_normalized = ANY($2::text[])',
    [options.eventId, options.emails],
  );
  return new Set(found.map((r) => r.email));
}

/** Progress after one batch, committed with the batch's attendees: a re-run resumes exactly after it. */
export async function recordImportProgress(
  sql: Sql,
  options: { importJobId: string; processed: number; created: number; skipped: number; errors: ImportRowError[] },
): Promise<void> {
  await sql.query(
    `UPDATE import_jobs SET processed = $2, created = created + $3, skipped = skipped + $4, errors = errors || $5::jsonb, updated_at = now()
     WHERE id = $1`,
    [options.importJobId, options.processed, options.created, options.skipped, JSON.stringify(options.errors)],
  );
}

/** A new import with its file, in the caller's transaction (its job is queued in the same one). */
export async function insertImportJob(
  sql: Sql,
  job: {
    id: string;
    organisationId: string;
    eventId: string;
    createdById: string | null;
    dryRun: boolean;
    sendEmails: boolean;
    csv: string;
    total: number;
    errors: ImportRowError[];
  },
): Promise<void> {
  await sql.query(
    `INSERT INTO import_jobs (id, organisation_id, event_id, created_by_id, dry_run, send_emails, csv, total, errors, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, now())`,
    [job.id, job.organisationId, job.eventId, job.createdById, job.dryRun, job.sendEmails, job.csv, job.total, JSON.stringify(job.errors)],
  );
}

/**
 * The statement that reads a stored import's file. The CSV thread runs it on a connection of its own
 * (parseStoredCsv), so the file never passes through the thread that answers requests.
 */
export const READ_IMPORT_FILE = 'SELECT csv FROM import_jobs WHERE id = $1';

/** The organisation's import jobs that created these rows or whose CSV or errors name one of the emails; locked in id order. */
export async function lockImportsNaming(
  sql: Sql,
  options: { organisationId: string; jobIds: readonly string[]; emailPatterns: readonly string[] },
): Promise<Array<{ id: string; csv: string; errors: unknown }>> {
  return await sql.query<{ id: string; csv: string; errors: unknown }>(
    `SELECT id, csv, errors FROM import_jobs
     WHERE organisation_id = $1 AND (id = ANY($2::text[]) OR lower(csv) LIKE ANY($3::text[]) OR lower(errors::text) LIKE ANY($3::text[]))
     ORDER BY id
     FOR UPDATE`,
    [options.organisationId, options.jobIds, options.emailPatterns],
  );
}

/** An import job's stored CSV and row errors, replaced. */
export async function rewriteImport(sql: Sql, job: { id: string; csv: string; errors: unknown }): Promise<void> {
  await sql.query('UPDATE import_jobs SET csv = $2, errors = $3::jsonb, updated_at = now() WHERE id = $1', [job.id, job.csv, JSON.stringify(job.errors)]);
}
