import type { PersonalDataHook } from '../lib/personal-data.ts';
import { containsPatterns, redactJsonText } from '../lib/redaction.ts';
import { lockStoredResponsesNaming, rewriteStoredResponses } from './idempotency.sql.ts';

/** Stored Idempotency-Key responses that name the person are redacted: a replay answers the erased attendee. */
export const idempotencyPersonalData: PersonalDataHook = {
  async erase(_deps, sql, subject) {
    const stored = await lockStoredResponsesNaming(sql, {
      organisationId: subject.organisationId,
      idPatterns: containsPatterns([...subject.attendeeIds]),
      emailPatterns: subject.emailPatterns,
    });
    if (stored.length > 0)
      await rewriteStoredResponses(
        sql,
        stored.map((s) => ({ id: s.id, body: redactJsonText(s.response_body, subject.targets) })),
      );
    return undefined;
  },
};
