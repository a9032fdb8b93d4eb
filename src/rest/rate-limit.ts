import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { AppError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * Fixed one-minute windows counted in PostgreSQL (rate-limiter-flexible's RateLimiterPostgres: one UPSERT
 * per request in the `rate_limits` table), so a limit holds across every process sharing the database.
 */
export interface RateLimiters {
  /** POST of the public form, per client IP (PUBLIC_FORM_RATE_LIMIT_PER_MIN). */
  publicForm: RateLimiterPostgres;
  /** Reads of public event data, per client IP. */
  publicRead: RateLimiterPostgres;
  /** Every request made with an API key, per key (API_RATE_LIMIT_PER_MIN). */
  apiKey: RateLimiterPostgres;
}

const PUBLIC_READS_PER_MIN = 120;

export function createRateLimiters(pool: pg.Pool, config: Pick<Config, 'publicFormRateLimitPerMin' | 'apiRateLimitPerMin'>): RateLimiters {
  const limiter = (keyPrefix: string, points: number) =>
    new RateLimiterPostgres({
      storeClient: pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true,
      keyPrefix,
      points,
      duration: 60,
      // Deletes windows that ended over an hour ago, so one row per client IP does not pile up forever.
      clearExpiredByTimeout: true,
    });
  return {
    publicForm: limiter('form', config.publicFormRateLimitPerMin),
    publicRead: limiter('public', PUBLIC_READS_PER_MIN),
    apiKey: limiter('key', config.apiRateLimitPerMin),
  };
}

/**
 * Takes one request from `key`'s budget. Returns the RateLimit-* headers to send; throws RATE_LIMITED (with
 * Retry-After) when the budget is spent. If the store itself fails, the request is let through and logged:
 * a database hiccup should not turn into refused registrations.
 */
export async function consume(limiter: RateLimiterPostgres, key: string, logger: Logger): Promise<Record<string, string>> {
  try {
    const res = await limiter.consume(key);
    return headers(limiter.points, res);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new AppError('RATE_LIMITED', `Too many requests: the limit is ${limiter.points} per minute. Retry in ${retryAfter} s.`, {
        retryAfter,
        headers: headers(limiter.points, error),
      });
    }
    logger.warn({ err: error }, 'rate limit store unavailable; request allowed');
    return {};
  }
}

function headers(limit: number, res: RateLimiterRes): Record<string, string> {
  return {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, res.remainingPoints)),
    'RateLimit-Reset': String(Math.max(0, Math.ceil(res.msBeforeNext / 1000))),
  };
}
