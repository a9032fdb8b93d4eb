import type { Deps } from '../../src/deps.ts';

/**
 * Waits until no job of `queues` is waiting, scheduled, retrying or running: everything the work will ever do has
 * been done. A probe of the job table, not a sleep — "nothing else happened" is then a fact, not a hope.
 */
export async function untilJobsSettled(app: { deps: Pick<Deps, 'pool'> }, queues: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await app.deps.pool.query<{ open: number }>(
      "SELECT count(*)::int AS open FROM pgboss.job WHERE name = ANY($1::text[]) AND state IN ('created', 'retry', 'active')",
      [queues],
    );
    if (rows[0]!.open === 0) return;
    if (Date.now() > deadline) throw new Error(`jobs of ${queues.join(', ')} still open after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits until no webhook delivery is pending or has an attempt in flight: every POST the engine will make (with
 * the test's short retry delays) has been made and recorded.
 */
export async function untilWebhooksSettled(app: { deps: Pick<Deps, 'pool'> }, options: { organisationId?: string; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const { rows } = await app.deps.pool.query<{ open: number }>(
      `SELECT (SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
               WHERE (d.status = 'PENDING' OR d.lease_until > now() OR d.replay_requested_at IS NOT NULL) AND ($1::text IS NULL OR e.organisation_id = $1))::int
            + (SELECT count(*) FROM webhook_attempts a JOIN webhook_endpoints e ON e.id = a.endpoint_id
               WHERE a.error_class = 'in_flight' AND ($1::text IS NULL OR e.organisation_id = $1))::int AS open`,
      [options.organisationId ?? null],
    );
    if (rows[0]!.open === 0) return;
    if (Date.now() > deadline) throw new Error(`webhook deliveries still open after ${options.timeoutMs ?? 15_000} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits for the next whole second (a fresh webhook-timestamp, say). */
export async function untilNextSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === second) await new Promise((r) => setTimeout(r, 10));
}
