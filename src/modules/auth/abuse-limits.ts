import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../lib/errors.ts';

/**
 * Limits on what an attacker would repeat: guessing passwords, creating accounts, sending mail to strangers,
 * making us send webhooks. rate-limiter-flexible's PostgreSQL store (the same `rate_limits` table as the REST
 * limits), so every limit holds across all processes.
 *
 * logIn has two kinds: an attempt budget taken *before* the password is checked (a burst of 30 parallel guesses
 * mostly never reaches argon2), and an exponential slow-down after failures: past a few free failures, each one
 * locks the email (and, with a larger allowance, the IP) for 2, 4, 8… seconds, up to 15 minutes (an hour per IP),
 * whether or not the next password is right. A success clears the email's failures.
 */
const MINUTE = 60;
const HOUR = 60 * MINUTE;

const FREE_FAILURES = { email: 5, ip: 20 } as const;
const MAX_LOCK_SECONDS = { email: 15 * MINUTE, ip: HOUR } as const;

function limiter(deps: Pick<Deps, 'pool'>, keyPrefix: string, points: number, duration: number): RateLimiterPostgres {
  return new RateLimiterPostgres({ storeClient: deps.pool, storeType: 'pool', tableName: 'rate_limits', tableCreated: true, keyPrefix, points, duration });
}

/** The process's budgets (auth's services build them once). */
export function createAbuseLimits(deps: Pick<Deps, 'pool'>) {
  return {
    loginAttemptsByEmail: limiter(deps, 'login-email', 10, 15 * MINUTE),
    loginAttemptsByIp: limiter(deps, 'login-ip', 60, 15 * MINUTE),
    loginFailures: { email: limiter(deps, 'login-fail-email', 1_000_000, 24 * HOUR), ip: limiter(deps, 'login-fail-ip', 1_000_000, 24 * HOUR) },
    loginLocks: { email: limiter(deps, 'login-lock-email', 1, HOUR), ip: limiter(deps, 'login-lock-ip', 1, HOUR) },
    signUpByIp: limiter(deps, 'signup-ip', 10, HOUR),
    passwordResetByIp: limiter(deps, 'reset-ip', 10, HOUR),
    passwordResetByEmail: limiter(deps, 'reset-email', 3, HOUR),
    verificationByUser: limiter(deps, 'verify-user', 5, HOUR),
    invitationsByIp: limiter(deps, 'invite-ip', 30, HOUR),
    invitationsByOrganisation: limiter(deps, 'invite-org', 100, 24 * HOUR),
    testWebhooksByEndpoint: limiter(deps, 'test-webhook', 5, MINUTE),
  };
}

export type AbuseLimits = ReturnType<typeof createAbuseLimits>;
type Limits = AbuseLimits;

/** Takes one point of `key` from `pick(limits)`, or throws RATE_LIMITED with the seconds to wait. */
export async function takeLimit(deps: Pick<Deps, 'abuseLimits'>, pick: (limits: Limits) => RateLimiterPostgres, key: string, what: string): Promise<void> {
  try {
    await pick(deps.abuseLimits).consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw rateLimited(what, error.msBeforeNext);
    throw error;
  }
}

/** Like takeLimit, but says whether the point was available instead of throwing (for answers that must not differ). */
export async function tryTakeLimit(deps: Pick<Deps, 'abuseLimits'>, pick: (limits: Limits) => RateLimiterPostgres, key: string): Promise<boolean> {
  try {
    await pick(deps.abuseLimits).consume(key);
    return true;
  } catch (error) {
    if (error instanceof RateLimiterRes) return false;
    throw error;
  }
}

function rateLimited(what: string, msBeforeNext: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError('RATE_LIMITED', `Too many ${what}. Try again in ${retryAfter} s.`, { retryAfter });
}

/** Before checking a password: the attempt budgets and any failure lock of this email or IP. */
export async function beforeLogIn(deps: Pick<Deps, 'abuseLimits'>, options: { email: string; ip: string }): Promise<void> {
  const limits = deps.abuseLimits;
  const [emailLock, ipLock] = await Promise.all([limits.loginLocks.email.get(options.email), limits.loginLocks.ip.get(options.ip)]);
  const locked = [emailLock, ipLock].filter((res): res is RateLimiterRes => res !== null && res.consumedPoints > 1);
  if (locked.length > 0) throw rateLimited('failed log-ins', Math.max(...locked.map((res) => res.msBeforeNext)));
  await takeLimit(deps, (l) => l.loginAttemptsByIp, options.ip, 'log-in attempts');
  await takeLimit(deps, (l) => l.loginAttemptsByEmail, options.email, 'log-in attempts');
}

/** After a wrong password: count it, and past the free failures lock the email or IP for 2^n seconds. */
export async function afterFailedLogIn(deps: Pick<Deps, 'abuseLimits'>, options: { email: string; ip: string }): Promise<void> {
  const limits = deps.abuseLimits;
  for (const [kind, key] of [
    ['email', options.email],
    ['ip', options.ip],
  ] as const) {
    const failures = (await limits.loginFailures[kind].penalty(key)).consumedPoints;
    const over = failures - FREE_FAILURES[kind];
    if (over > 0) await limits.loginLocks[kind].block(key, Math.min(2 ** over, MAX_LOCK_SECONDS[kind]));
  }
}

export async function afterLogIn(deps: Pick<Deps, 'abuseLimits'>, options: { email: string }): Promise<void> {
  const limits = deps.abuseLimits;
  await Promise.all([limits.loginFailures.email.delete(options.email), limits.loginLocks.email.delete(options.email)]);
}
