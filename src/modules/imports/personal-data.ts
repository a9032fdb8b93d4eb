import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { PersonalDataHook } from '../../lib/personal-data.ts';
import { redactJson, redactText } from '../../lib/redaction.ts';
import { lockImportsNaming, rewriteImport } from './imports.sql.ts';

/**
 * Import jobs keep their CSV while they run (a crashed import resumes from it). The person's rows — the row an
 * attendee was created from, and any row holding their email — are blanked: every cell emptied, so row numbers
 * (and a resumed import's bookkeeping) stay, and a blank row creates nobody. Row errors are redacted.
 */
export const importsPersonalData: PersonalDataHook = {
  async erase(_deps, sql, subject) {
    const rowsByJob = new Map<string, Set<number>>();
    for (const a of subject.attendees) {
      if (a.import_job_id && a.import_row) rowsByJob.set(a.import_job_id, (rowsByJob.get(a.import_job_id) ?? new Set()).add(a.import_row));
    }
    const jobs = await lockImportsNaming(sql, { organisationId: subject.organisationId, jobIds: [...rowsByJob.keys()], emailPatterns: subject.emailPatterns });
    for (const job of jobs) {
      await rewriteImport(sql, {
        id: job.id,
        csv: blankRows(job.csv, rowsByJob.get(job.id) ?? new Set(), subject.targets.emails),
        errors: redactJson(job.errors, subject.targets),
      });
    }
    return undefined;
  },
};

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
