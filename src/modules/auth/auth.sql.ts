import type { Sql } from '../../db/sql.ts';
import type { Role } from '../../generated/prisma/enums.ts';

/**
 * A session by its token's hash, with the role its user holds now in the session's organisation: one prepared
 * statement on the hot path of every dashboard request (two Prisma queries cost ~1.4 ms of CPU). Without a
 * membership row (removed from the organisation since logging in) there is no answer.
 */
export async function findLiveSession(
  sql: Sql,
  tokenHash: string,
): Promise<{ id: string; user_id: string; organisation_id: string; expires_at: Date; role: Role } | undefined> {
  const [session] = await sql.query<{ id: string; user_id: string; organisation_id: string; expires_at: Date; role: Role }>(
    `SELECT s.id, s.user_id, s.organisation_id, s.expires_at, m.role::text AS role
     FROM sessions s JOIN memberships m ON m.user_id = s.user_id AND m.organisation_id = s.organisation_id
     WHERE s.token_hash = $1`,
    [tokenHash],
  );
  return session;
}
