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

/** Claims a key inside the request's transaction: a second request with it waits on this row until we commit. */
export async function claimIdempotencyKey(
  sql: Sql,
  claim: { id: string; organisationId: string; apiKeyId: string; key: string; method: string; path: string; requestHash: string; expiresAt: Date },
): Promise<void> {
  await sql.query(
    `INSERT INTO idempotency_keys (id, organisation_id, api_key_id, key, method, path, request_hash, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [claim.id, claim.organisationId, claim.apiKeyId, claim.key, claim.method, claim.path, claim.requestHash, claim.expiresAt],
  );
}

/** The answer a claimed key replays from now on. */
export async function storeIdempotentResponse(sql: Sql, id: string, stored: { status: number; body: string; headers: Record<string, string> }): Promise<void> {
  await sql.query(`UPDATE idempotency_keys SET response_status = $2, response_body = $3, response_headers = $4::jsonb, completed_at = now() WHERE id = $1`, [
    id,
    stored.status,
    stored.body,
    JSON.stringify(stored.headers),
  ]);
}
