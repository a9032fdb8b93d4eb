import type { Sql } from '../db/sql.ts';

/** Sets last_used_at of these rows of `table` to the given times, never moving it back. */
export async function recordLastUsed(sql: Sql, table: 'api_keys' | 'sessions', ids: readonly string[], times: readonly Date[]): Promise<void> {
  // The table name is one of two constants, never input.
  await sql.query(
    `UPDATE ${table} AS k SET last_used_at = u.used_at
     FROM unnest($1::text[], $2::timestamptz[]) AS u(id, used_at)
     WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.used_at)`,
    [ids, times],
  );
}
