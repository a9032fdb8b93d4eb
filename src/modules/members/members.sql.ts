import type { Sql } from '../../db/sql.ts';

/**
 * The organisation's owners, their membership rows locked in id order: of two removals at once, the second counts
 * the owners the first left (rows it deleted are skipped once its lock is released).
 */
export async function lockOwners(sql: Sql, organisationId: string): Promise<Array<{ user_id: string }>> {
  return await sql.query<{ user_id: string }>(`SELECT user_id FROM memberships WHERE organisation_id = $1 AND role = 'OWNER' ORDER BY id FOR UPDATE`, [
    organisationId,
  ]);
}

/** The organisation's owners and admins, by email: who is told when something needs them. */
export async function organisationManagers(sql: Sql, organisationId: string): Promise<Array<{ email: string; name: string }>> {
  return await sql.query<{ email: string; name: string }>(
    `SELECT u.email, u.name FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.organisation_id = $1 AND m.role IN ('OWNER', 'ADMIN') ORDER BY u.email`,
    [organisationId],
  );
}
