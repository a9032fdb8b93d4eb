import type { Deps } from '../deps.ts';
import { deleteExpiredRateLimits } from './rate-limit.ts';

/** REST's own housekeeping: idempotency keys past their 24 h, rate-limit windows that ended an hour ago. */
export async function restCleanup(deps: Deps, now: Date): Promise<Record<string, number>> {
  const keys = await deps.prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lte: now } } });
  return { idempotencyKeys: keys.count, rateLimits: await deleteExpiredRateLimits(deps.pool, deps.clock) };
}
