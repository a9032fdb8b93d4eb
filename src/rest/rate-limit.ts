import type pg from 'pg';
import type { Config } from '../config.ts';
import { Batcher, type BatchObserver } from '../lib/batcher.ts';
import type { Clock } from '../lib/clock.ts';
import { AppError } from '../lib/errors.ts';
import { deleteWindowsEndedBefore, takePoints } from './rate-limit.sql.ts';

/**
 * Fixed one-minute windows counted in PostgreSQL (table `rate_limits`: key, points, expire in epoch ms), so a
 * limit holds across every process sharing the database.
 *
 * This used to be rate-limiter-flexible's RateLimiterPostgres, whose one UPSERT per request became the
 * largest single cost of a registration under load. The counting is the same (same table, same fixed
 * window, an over-limit request still counts), but the requests of one moment are counted together: one
 * multi-row UPSERT for the whole batch (see Batcher), still atomic in the database, so the limit stays
 * exact across processes.
 */
interface Consumption {
  allowed: boolean;
  remaining: number;
  msBeforeNext: number;
}

export class RateLimiter {
  readonly #batcher: Batcher<string, Consumption>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { keyPrefix: string; points: number; durationMs: number },
    /** The database's time (lib/clock.ts): every process opens and closes the same windows. */
    private readonly clock: Pick<Clock, 'nowMs'> = { nowMs: Date.now },
    observe?: BatchObserver,
  ) {
    this.#batcher = new Batcher((keys) => this.#consumeAll(keys), { maxBatch: 500, concurrency: 2, observe });
  }

  get points(): number {
    return this.options.points;
  }

  /** Takes one point from `key`'s window. */
  consume(key: string): Promise<Consumption> {
    return this.#batcher.submit(`${this.options.keyPrefix}:${key}`);
  }

  async #consumeAll(keys: string[]): Promise<Consumption[]> {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    // Rows are locked in key order, whatever order the requests came in: two batches (in two processes, say)
    // that share keys then wait for each other instead of deadlocking.
    const sorted = [...counts.keys()].sort();
    const now = this.clock.nowMs();
    const rows = await takePoints(this.pool, { keys: sorted, points: sorted.map((key) => counts.get(key)!), windowEnd: now + this.options.durationMs, now });
    const totals = new Map(rows.map((row) => [row.key, { points: row.points, expire: Number(row.expire) }]));
    // The batch's requests of one key took consecutive points, in arrival order.
    const taken = new Map<string, number>();
    return keys.map((key) => {
      const total = totals.get(key)!;
      const before = taken.get(key) ?? 0;
      taken.set(key, before + 1);
      const consumed = total.points - counts.get(key)! + before + 1;
      return {
        allowed: consumed <= this.options.points,
        remaining: Math.max(0, this.options.points - consumed),
        msBeforeNext: Math.max(0, total.expire - now),
      };
    });
  }
}

export interface RateLimiters {
  /** POST of the public form, per client IP (PUBLIC_FORM_RATE_LIMIT_PER_MIN). */
  publicForm: RateLimiter;
  /** Reads of public event data, per client IP. */
  publicRead: RateLimiter;
  /** Every request made with an API key, per key (API_RATE_LIMIT_PER_MIN). */
  apiKey: RateLimiter;
}

const PUBLIC_READS_PER_MIN = 120;
const MINUTE_MS = 60_000;

export function createRateLimiters(
  pool: pg.Pool,
  config: Pick<Config, 'publicFormRateLimitPerMin' | 'apiRateLimitPerMin'>,
  clock: Pick<Clock, 'nowMs'>,
  observe?: BatchObserver,
): RateLimiters {
  const limiter = (keyPrefix: string, points: number) => new RateLimiter(pool, { keyPrefix, points, durationMs: MINUTE_MS }, clock, observe);
  return {
    publicForm: limiter('form', config.publicFormRateLimitPerMin),
    publicRead: limiter('public', PUBLIC_READS_PER_MIN),
    apiKey: limiter('key', config.apiRateLimitPerMin),
  };
}

/**
 * Takes one request from `key`'s budget. Returns the RateLimit-* headers to send; throws RATE_LIMITED (with
 * Retry-After) when the budget is spent. A limit never fails open: if the store cannot be reached, neither can
 * anything the request would do, and the request gets the same 503 as any other during an outage.
 */
export async function consume(limiter: RateLimiter, key: string): Promise<Record<string, string>> {
  const result = await limiter.consume(key);
  const rateHeaders = {
    'RateLimit-Limit': String(limiter.points),
    'RateLimit-Remaining': String(result.remaining),
    'RateLimit-Reset': String(Math.ceil(result.msBeforeNext / 1000)),
  };
  if (result.allowed) return rateHeaders;
  const retryAfter = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
  throw new AppError('RATE_LIMITED', `Too many requests: the limit is ${limiter.points} per minute. Retry in ${retryAfter} s.`, {
    retryAfter,
    headers: rateHeaders,
  });
}

/** Windows that ended over an hour ago (the hourly cleanup job); a live window is never touched. */
export async function deleteExpiredRateLimits(pool: pg.Pool, clock: Pick<Clock, 'nowMs'>): Promise<number> {
  return await deleteWindowsEndedBefore(pool, clock.nowMs() - 60 * MINUTE_MS);
}
