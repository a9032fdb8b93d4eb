import type pg from 'pg';

/**
 * Adds points to fixed windows (a window that ended starts again), keys in the order given — sorted by the caller,
 * so two batches sharing keys wait for each other instead of deadlocking — and answers each key's total and end.
 * A named statement: prepared once per connection.
 */
export async function takePoints(
  pool: pg.Pool,
  options: { keys: readonly string[]; points: readonly number[]; windowEnd: number; now: number },
): Promise<Array<{ key: string; points: number; expire: string }>> {
  const { rows } = await pool.query<{ key: string; points: number; expire: string }>({
    name: 'eg_rate_limit_consume',
    text: `INSERT INTO rate_limits (key, points, expire)
     SELECT k, n, $3 FROM unnest($1::text[], $2::int[]) AS t(k, n) ORDER BY k
     ON CONFLICT (key) DO UPDATE SET
       points = CASE WHEN rate_limits.expire <= $4 THEN EXCLUDED.points ELSE rate_limits.points + EXCLUDED.points END,
       expire = CASE WHEN rate_limits.expire <= $4 THEN EXCLUDED.expire ELSE rate_limits.expire END
     RETURNING key, points, expire`,
    values: [options.keys, options.points, options.windowEnd, options.now],
  });
  return rows;
}

/** Deletes windows that ended before `before` (epoch ms); answers how many. */
export async function deleteWindowsEndedBefore(pool: pg.Pool, before: number): Promise<number> {
  const result = await pool.query('DELETE FROM rate_limits WHERE expire < $1', [before]);
  return result.rowCount ?? 0;
}
