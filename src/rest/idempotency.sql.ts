import type { Sql } from '../db/sql.ts';

/** The organisation's stored responses holding one of the patterns (case-sensitive ids, lower-cased emails); locked. */
export async function lockStoredResponsesNaming(
  sql: Sql,
  options: { organisationId: string; idPatterns: readonly string[]; emailPatterns: readonly string[] },
): Promise<Array<{ id: string; response_body: string }>> {
  return await sql.query<{ id: string; response_body: string }>(
    `SELECT id, response_body FROM idempotency_keys
     WHERE organisation_id = $1 AND response_body IS NOT NULL
       AND (response_body LIKE ANY($2::text[]) OR lower(response_body) LIKE ANY($3::text[]))
     ORDER BY id
     FOR UPDATE`,
    [options.organisationId, options.idPatterns, options.emailPatterns],
  );
}

/** Stored responses, replaced. */
export async function rewriteStoredResponses(sql: Sql, responses: ReadonlyArray<{ id: string; body: string }>): Promise<void> {
  await sql.query(`UPDATE idempotency_keys AS k SET response_body = r.body FROM unnest($1::text[], $2::text[]) AS r(id, body) WHERE k.id = r.id`, [
    responses.map((r) => r.id),
    responses.map((r) => r.body),
  ]);
}
