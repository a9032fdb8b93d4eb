import pg from 'pg';
import type { Logger } from '../lib/logger.ts';
import { isDatabaseUnavailable } from './availability.ts';

/**
 * A pg pool that survives its database going away. An idle connection that dies (a PostgreSQL restart, a
 * failover) makes pg's Pool emit 'error'; with nobody listening that event ends the process. Here it is logged
 * and the pool simply opens a new connection next time. Checking out waits at most 5 s, so a request during an
 * outage fails fast (503) instead of hanging.
 */
export function createPool(options: { databaseUrl: string; max: number; name: string; logger: Logger; sessionOptions?: string }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.max,
    application_name: options.name,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    ...(options.sessionOptions ? { options: options.sessionOptions } : {}),
  });
  pool.on('error', (error) => options.logger.warn({ err: error, pool: options.name }, 'idle database connection lost'));
  // pg-pool takes its idle listener off a client while it is checked out, and not every library that checks
  // clients out (Prisma's adapter among them, measured) listens meanwhile: a connection that dies then emits
  // 'error' with nobody listening, which ends the process. Every client gets a listener of its own for life;
  // the statement using the connection still fails with the error, and the pool still discards the client.
  pool.on('connect', (client) => client.on('error', ignoreClientError));
  return pool;
}

/**
 * Runs `fn` with a client checked out of `pool` (one made by createPool). A client whose connection failed,
 * or that `fn` discards (a ROLLBACK that failed), is destroyed rather than handed to the next caller.
 */
function ignoreClientError(): void {}

export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient, discard: (reason: Error) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let discarded: Error | undefined;
  try {
    return await fn(client, (reason) => {
      discarded ??= reason;
    });
  } catch (error) {
    if (isDatabaseUnavailable(error)) discarded ??= error as Error;
    throw error;
  } finally {
    client.release(discarded);
  }
}
