import type { Sql } from '../db/sql.ts';

/** pg-boss jobs whose data or output holds one of the (lower-cased) patterns, in any queue and state; locked. */
export async function lockJobsNaming(sql: Sql, patterns: readonly string[]): Promise<Array<{ id: string; name: string; data: unknown; output: unknown }>> {
  return await sql.query<{ id: string; name: string; data: unknown; output: unknown }>(
    `SELECT id, name, data, output FROM pgboss.job
     WHERE lower(data::text) LIKE ANY($1::text[]) OR (output IS NOT NULL AND lower(output::text) LIKE ANY($1::text[]))
     FOR UPDATE`,
    [patterns],
  );
}

/** A job's data and output, replaced. */
export async function rewriteJob(sql: Sql, job: { name: string; id: string; data: unknown; output: unknown }): Promise<void> {
  await sql.query('UPDATE pgboss.job SET data = $3::jsonb, output = $4::jsonb WHERE name = $1 AND id = $2', [
    job.name,
    job.id,
    JSON.stringify(job.data),
    job.output === null ? null : JSON.stringify(job.output),
  ]);
}

/** Jobs waiting or running, per queue and state (GET /metrics). */
export async function waitingJobCounts(sql: Sql): Promise<Array<{ queue: string; state: string; count: number }>> {
  return await sql.query<{ queue: string; state: string; count: number }>(
    `SELECT name AS queue, state::text AS state, count(*)::int AS count FROM pgboss.job
     WHERE state IN ('created', 'retry', 'active') GROUP BY 1, 2 ORDER BY 1, 2`,
  );
}
