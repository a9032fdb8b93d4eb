import type { Sql } from '../db/sql.ts';
import type { Deps } from '../deps.ts';
import type { RedactionTargets } from './redaction.ts';

/**
 * How a person's data is found, exported and erased wherever EventoGate copied it. Each feature (and the kernel,
 * for idempotency keys and jobs) declares a hook for the copies it keeps; privacy runs them in order, so no feature
 * needs to know another's tables.
 */
export interface PersonalDataHook {
  /**
   * Erases the person's copies in this feature's tables, inside the erasure's transaction (attendees are locked
   * first, then each hook locks its own rows in id order). Answers what to do once the transaction committed
   * (delete files), and ids of its own rows that name the person elsewhere (an email log's id in a queued job),
   * for later hooks.
   */
  erase?(deps: Deps, sql: Sql, subject: ErasureSubject): Promise<{ afterCommit?: () => Promise<void>; references?: string[] } | undefined>;
  /** The person's records this feature keeps, as sections of the export (each key a section). */
  export?(deps: Deps, subject: ExportSubject): Promise<Record<string, unknown>>;
}

/** The person being erased: their attendees (locked), every email they used, and what to write instead. */
export interface ErasureSubject {
  organisationId: string;
  attendees: ReadonlyArray<{ id: string; email_normalized: string; import_job_id: string | null; import_row: number | null }>;
  attendeeIds: readonly string[];
  /** Lower-cased emails, and `%…%` LIKE patterns of them. */
  emails: readonly string[];
  emailPatterns: readonly string[];
  targets: RedactionTargets;
  /** Ids, besides the attendees', that earlier hooks found naming the person. */
  references: readonly string[];
}

/** The person being exported: the email asked for and their attendees in the organisation. */
export interface ExportSubject {
  organisationId: string;
  email: string;
  attendeeIds: readonly string[];
}
