import type { Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { containsPatterns, ERASED_NAME, emailHash, erasedEmail, type RedactionTargets } from '../../lib/redaction.ts';
import { type AuditAction, type AuditActor, audit } from '../audit/index.ts';
import { type ErasableAttendee, eraseAttendeeRows, lockErasableByEmail, lockErasableById } from './privacy.sql.ts';

/** Whose data to erase: attendees by id, or every attendee of the organisation with this email. */
export type ErasureRequest = { organisationId: string } & ({ attendeeIds: readonly string[]; email?: undefined } | { email: string; attendeeIds?: undefined });

export interface ErasureResult {
  attendeeIds: string[];
  /** What the hooks do once the transaction committed (delete dev-mailbox files). */
  afterCommit: Array<() => Promise<void>>;
}

/**
 * Erases, in `sql`'s transaction, a person's data everywhere EventoGate copied it:
 * - the attendees: names "Erased", email a keyed hash, phone, country and answers gone, QR token and signed code
 *   revoked; id, event, ticket type, status, source and times stay (so counts and statistics do not change);
 * - then every other copy, by the hook of whichever feature keeps it (`deps.personalData`, in the features' order,
 *   the kernel's last): webhook deliveries and attempts, email logs and dev-mailbox files, import jobs' CSV, stored
 *   Idempotency-Key responses, pg-boss jobs (lib/personal-data.ts).
 * Rows are locked in the same order as registration (attendees, then the logs), so erasure never deadlocks with
 * the hot paths. An audit entry per attendee (`action`), and for a request by email one `personal_data.erased`, are
 * written in the same transaction.
 */
export async function eraseInTransaction(
  deps: Deps,
  sql: Sql,
  request: ErasureRequest,
  audited: { actor: AuditActor; action: AuditAction },
): Promise<ErasureResult> {
  const attendees = await lockErasable(sql, request);
  const emails = [...new Set([...(request.email ? [request.email] : []), ...attendees.map((a) => a.email_normalized)])];
  if (attendees.length === 0 && emails.length === 0) return { attendeeIds: [], afterCommit: [] };
  const targets: RedactionTargets = {
    attendees: new Map(attendees.map((a) => [a.id, erasedEmail(deps.secretKey, a.email_normalized, a.id)])),
    emails,
  };
  const ids = attendees.map((a) => a.id);
  const freed = ids.length > 0 ? await eraseAttendeeRows(sql, { ids, erasedEmails: ids.map((id) => targets.attendees.get(id)!), name: ERASED_NAME }) : [];
  const subject = { organisationId: request.organisationId, attendees, attendeeIds: ids, emails, emailPatterns: containsPatterns(emails), targets };
  const references: string[] = [];
  const afterCommit: Array<() => Promise<void>> = [];
  // A seat held for an offer to someone erased goes to the next in line.
  if (freed.length > 0) {
    afterCommit.push(async () => {
      for (const eventId of freed) await deps.waitlist.fillEvent(eventId);
    });
  }
  for (const hook of deps.personalData) {
    const done = await hook.erase?.(deps, sql, { ...subject, references });
    if (done?.afterCommit) afterCommit.push(done.afterCommit);
    references.push(...(done?.references ?? []));
  }
  await audit(sql, audited.actor, audited.action, ids);
  // A request by email is audited as such too, the email named only by its keyed hash.
  if (request.email !== undefined) await audit(sql, audited.actor, 'personal_data.erased', [emailHash(deps.secretKey, request.email)]);
  return { attendeeIds: ids, afterCommit };
}

async function lockErasable(sql: Sql, request: ErasureRequest): Promise<ErasableAttendee[]> {
  return request.email !== undefined
    ? await lockErasableByEmail(sql, { organisationId: request.organisationId, email: request.email })
    : await lockErasableById(sql, { organisationId: request.organisationId, ids: request.attendeeIds ?? [] });
}
