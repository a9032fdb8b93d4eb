import type pg from 'pg';
import { preparedPoolSql } from '../db/sql.ts';

/**
 * Adds points to fixed windows (a window that ended starts again), keys in the order given — sorted by the caller,
 * so two batches sharing keys wait for each other instead of deadlocking — and answers each key's total and end.
 * Prepared once per connection (unnamed behind a transaction pooler: src/db/sql.ts).
 */
export async function takePoints(
  pool: pg.Pool,
  options: { keys: readonly string[]; points: readonly number[]; windowEnd: number; now: number },
): Promise<Array<{ key: string; points: number; expire: string }>> {
  return await preparedPoolSql({ pool }).query<{ key: string; points: number; expire: string }>(
    `INSERT INTO rate_limits (key, points, expire)
     SELECT k, n, $3 FROM unnest($1::text[], $2::int[]) AS t(k, n) ORDER BY k
     ON CONFLICT (key) DO UPDATE SET
       points = CASE WHEN rate_limits.expire <= $4 THEN EXCLUDED.points ELSE rate_limits.points + EXCLUDED.points END,
       expire = CASE WHEN rate_limits.expire <= $4 THEN EXCLUDED.expire ELSE rate_limits.expire END
     RETURNING key, points, expire`,
    [options.keys, options.points, options.windowEnd, options.now],
  );
}

/** Deletes windows that ended before `before` (epoch ms); answers how many. */
export async function deleteWindowsEndedBefore(pool: pg.Pool, before: number): Promise<number> {
  const result = await pool.query('DELETE FROM rate_limits WHERE expire < $1', [before]);
  return result.rowCount ?? 0;
}
