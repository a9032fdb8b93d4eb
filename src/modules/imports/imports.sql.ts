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
