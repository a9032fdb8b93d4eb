/**
 * Whether `error` means "the database cannot be reached right now" (refused, reset, shutting down, restarting,
 * out of connections) rather than "this statement is wrong". Such errors become 503 with Retry-After, never 500:
 * the request did nothing and may be retried as it is. Recognised whether it came from pg, pg-pool, Prisma's
 * driver adapter or pg-boss, by walking the error's causes.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some(
    (e) =>
      (typeof e.code === 'string' && (SOCKET_CODES.has(e.code) || SQLSTATES.has(e.code) || e.code.startsWith('08') || PRISMA_CODES.has(e.code))) ||
      (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) ||
      (typeof e.message === 'string' && MESSAGES.some((m) => (e.message as string).includes(m))),
  );
}

/**
 * Whether `error` is a statement PostgreSQL cancelled because it waited too long for a lock (55P03, lock_timeout) or
 * ran too long (57014, statement_timeout; also a cancel request). Its transaction was rolled back: nothing of it was
 * written, and the same request may succeed in a moment, so it is answered like an unavailable database (503 with
 * Retry-After) — never by waiting on.
 */
export function isDatabaseTimeout(error: unknown): boolean {
  return causes(error).some((e) => e.code === '55P03' || e.code === '57014');
}

/** Either: the request did nothing and may be retried as it is (503 with Retry-After). */
export function isDatabaseBusyOrUnavailable(error: unknown): boolean {
  return isDatabaseTimeout(error) || isDatabaseUnavailable(error);
}

export type UnavailableReason = 'database has no free connections' | 'database unreachable' | 'database lock wait timed out' | 'database statement timed out';

/**
 * Why the database is unavailable, in words an operator acts on: out of connections (53300: raise
 * max_connections or lower the pools, see docs/operations.md) is not the same fix as unreachable, and a lock
 * held too long (55P03: find the holder in pg_locks) or a statement too slow (57014) is neither.
 */
export function unavailableReason(error: unknown): UnavailableReason {
  const all = causes(error);
  if (all.some((e) => e.code === '55P03')) return 'database lock wait timed out';
  if (all.some((e) => e.code === '57014')) return 'database statement timed out';
  const full = all.some(
    (e) =>
      e.code === '53300' ||
      e.code === 'P2037' ||
      (e.code === 'P2028' && typeof e.message === 'string' && e.message.includes('Unable to start a transaction')) ||
      e.kind === 'TooManyConnections' ||
      (typeof e.message === 'string' && /too many (clients|connections)/i.test(e.message)),
  );
  return full ? 'database has no free connections' : 'database unreachable';
}

/**
 * A transaction PostgreSQL aborted because of another one — a deadlock (40P01) or a serialization failure (40001):
 * nothing of it was written, and running it again is the documented remedy.
 */
export function isTransactionConflict(error: unknown): boolean {
  return causes(error).some((e) => e.code === '40P01' || e.code === '40001');
}

interface Cause {
  code?: unknown;
  message?: unknown;
  kind?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: unknown } };
}

/** The error and what it wraps (pg, pg-pool, Prisma's driver adapter, pg-boss), outermost first. */
function causes(error: unknown): Cause[] {
  const found: Cause[] = [];
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 6; depth++) {
    const e = current as Cause;
    found.push(e);
    current = e.meta?.driverAdapterError?.cause ?? e.meta?.driverAdapterError ?? e.cause;
  }
  return found;
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
/** admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections (class 08 = connection exception). */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Can't reach database server, timed out, server closed the connection, too many connections. */
/** …, and P2028: a transaction that found no free connection within its wait (or outlived its timeout, rolled back). */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2037', 'P2028']);
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const MESSAGES = [
  'Connection terminated',
  'connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
  'terminating connection due to administrator command',
  'the database system is starting up',
  'the database system is shutting down',
  'Cannot use a pool after calling end',
];
