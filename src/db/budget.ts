/**
 * How many connections each of a process's pools may open, out of DATABASE_POOL_SIZE (the process's total). Pools
 * open connections as they need them, so these are caps: a process never holds more than the total, and N processes
 * never more than N × the total (docs/operations.md: the connection budget).
 *
 * Three are fixed: the LISTEN connection (live feeds, cache invalidation, job wake-ups), one for /readyz and
 * /metrics, and one for publishing notifications. The rest is split by what the role does: an API process serves
 * requests (Prisma for GraphQL and REST reads, the plain-SQL pool for the hot paths, rate-limit counters) and only
 * sends jobs; a worker runs jobs (pg-boss fetches and settles them; deliveries and imports write through the
 * plain-SQL pool) and serves no API.
 */
export interface ConnectionBudget {
  listen: 1;
  health: 1;
  publish: 1;
  rateLimits: number;
  jobs: number;
  prisma: number;
  app: number;
}

/** The smallest DATABASE_POOL_SIZE: the three fixed connections and at least one for each other pool. */
export const MIN_POOL_SIZE = 7;
/**
 * DATABASE_POOL_SIZE unset (docs/operations.md: the connection budget). Not 10: one tenant's requests waiting on a
 * lock each hold a connection for up to DATABASE_LOCK_TIMEOUT_MS, and with 10 four of them took every plain-SQL
 * connection of an `all` process (the other tenants' p99 went from under 1 s to 1.9 s, test/platform/lock-isolation).
 */
export const DEFAULT_POOL_SIZE = 20;

const SHARES: Record<'all' | 'api' | 'worker', { rateLimits: number; jobs: number; prisma: number }> = {
  api: { rateLimits: 0.2, jobs: 0.1, prisma: 0.35 },
  worker: { rateLimits: 0, jobs: 0.4, prisma: 0.2 },
  all: { rateLimits: 0.15, jobs: 0.25, prisma: 0.25 },
};

export function connectionBudget(total: number, role: 'all' | 'api' | 'worker'): ConnectionBudget {
  if (!Number.isInteger(total) || total < MIN_POOL_SIZE) throw new Error(`DATABASE_POOL_SIZE must be an integer of at least ${MIN_POOL_SIZE}`);
  const rest = total - 3;
  const share = SHARES[role];
  const rateLimits = Math.max(1, Math.floor(rest * share.rateLimits));
  const jobs = Math.max(1, Math.floor(rest * share.jobs));
  const prisma = Math.max(1, Math.floor(rest * share.prisma));
  const app = rest - rateLimits - jobs - prisma;
  return { listen: 1, health: 1, publish: 1, rateLimits, jobs, prisma, app };
}
