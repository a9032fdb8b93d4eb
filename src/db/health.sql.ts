import type pg from 'pg';

/** How many of these migrations are applied (finished, not rolled back): readiness needs all of them. */
export async function countAppliedMigrations(pool: pg.Pool | pg.Client, names: readonly string[]): Promise<number> {
  // A database no migration has touched has no table to count in.
  const { rows: table } = await pool.query<{ present: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!table[0]?.present) return 0;
  const { rows } = await pool.query<{ applied: number }>(
    'SELECT count(*)::int AS applied FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL AND migration_name = ANY($1::text[])',
    [names],
  );
  return rows[0]?.applied ?? 0;
}

/** The database's clock, in milliseconds since the epoch (clock_timestamp: now, not the transaction's start). */
export async function databaseTimeMs(pool: pg.Pool | pg.Client): Promise<number> {
  const { rows } = await pool.query<{ ms: string }>(`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms`);
  return Number(rows[0]!.ms);
}
