import type { PersonalDataHook } from '../lib/personal-data.ts';
import { containsPatterns, redactJson } from '../lib/redaction.ts';
import { lockJobsNaming, rewriteJob } from './jobs.sql.ts';

/**
 * pg-boss keeps job data (and failures' output) until its retention deletes them: what names the erased attendees
 * is redacted. Jobs are found by ids only — the attendees' and those earlier hooks reported (an email log's id:
 * a confirmation job carries it; a failure's output may quote the address) — TypeIDs unique across organisations,
 * never by the email, which another organisation's jobs may hold for a person of their own: an erasure touches and
 * locks its own organisation's jobs and nothing else. Runs last.
 */
export const jobsPersonalData: PersonalDataHook = {
  async erase(_deps, sql, subject) {
    if (subject.attendeeIds.length === 0) return undefined;
    const patterns = containsPatterns([...subject.attendeeIds, ...subject.references]).map((p) => p.toLowerCase());
    for (const job of await lockJobsNaming(sql, patterns)) {
      await rewriteJob(sql, {
        ...job,
        data: redactJson(job.data, subject.targets),
        output: job.output === null ? null : redactJson(job.output, subject.targets),
      });
    }
    return undefined;
  },
};
