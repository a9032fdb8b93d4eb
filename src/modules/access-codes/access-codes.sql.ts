import type { Sql } from '../../db/sql.ts';

/** The access codes' reads that Prisma cannot say in one statement (plain pg, explicit columns). */

/** Uses per code in one mode (registrations with the code, not cancelled or declined). */
export async function usesOf(sql: Sql, ids: readonly string[], testMode: boolean): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ id: string; uses: number }>(
    `SELECT access_code_id AS id, count(*)::int AS uses FROM attendees
     WHERE access_code_id = ANY($1::text[]) AND test_mode = $2 AND status NOT IN ('CANCELLED', 'DECLINED') GROUP BY 1`,
    [ids, testMode],
  );
  return new Map(rows.map((row) => [row.id, row.uses]));
}
