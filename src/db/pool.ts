import type { Writable } from 'node:stream';
import pg from 'pg';
import type { DatabaseTimeouts } from '../config.ts';
import type { Logger } from '../lib/logger.ts';
import { isDatabaseUnavailable } from './availability.ts';

/**
 * A pg pool that survives its database going away. An idle connection that dies (a PostgreSQL restart, a
 * failover) makes pg's Pool emit 'error'; with nobody listening that event ends the process. Here it is logged
 * and the pool simply opens a new connection next time. Checking out waits at most 5 s, so a request during an
 * outage fails fast (503) instead of hanging.
 *
 * `settings` are SET on every new connection before it is handed out (pg-pool's onConnect): lock_timeout and
 * statement_timeout (timeoutSettings) on every pool, synchronous_commit where a lost commit is harmless. A SET, not
 * the startup packet's `options`, which transaction poolers such as PgBouncer refuse.
 */
export function createPool(options: {
  databaseUrl: string;
  max: number;
  name: string;
  logger: Logger;
  settings?: SessionSettings;
  /** The URL is a transaction pooler's (PgBouncer): see throughPooler. */
  pooler?: boolean;
  /**
   * pg's pipeline mode: statements given to one connection before the previous ones answered are sent at once (in
   * order, each with its own Sync) instead of one after another's answer. Sequential use is unchanged.
   */
  pipeline?: boolean;
}): pg.Pool {
  // Behind a transaction pooler a session SET would stay on whichever server connection ran it and reach other
  // clients' transactions (a synchronous_commit = off meant for counters under someone's registration): none.
  const onConnect = options.pooler ? undefined : settingsOnConnect(options.settings ?? {});
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.max,
    application_name: options.name,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    pipeline: options.pipeline ?? false,
    ...(onConnect ? { onConnect } : {}),
  });
  pool.on('error', (error) => {
    // Once the pool is ending (shutdown), its connections are on their way out: end() resolves as soon as each was
    // told to close, and the database stopped right after may end one first. Nothing is lost; nothing to report.
    if ((pool as pg.Pool & { ending?: boolean }).ending) return;
    options.logger.warn({ err: error, pool: options.name }, 'idle database connection lost');
  });
  // pg-pool takes its idle listener off a client while it is checked out, and not every library that checks
  // clients out (Prisma's adapter among them, measured) listens meanwhile: a connection that dies then emits
  // 'error' with nobody listening, which ends the process. Every client gets a listener of its own for life;
  // the statement using the connection still fails with the error, and the pool still discards the client.
  pool.on('connect', (client) => client.on('error', ignoreClientError));
  if (options.pooler) {
    throughPooler.add(pool);
    pool.on('connect', (client) => throughPooler.add(client));
  }
  return pool;
}

/**
 * Pools (and their clients) whose connections go through a transaction pooler: consecutive transactions of one
 * client may run on different server connections, shared with other processes, so a named prepared statement may
 * be missing there or be another process's statement of the same name. Their statements are never named
 * (src/db/sql.ts): parsed and planned on every execution, which costs little next to a round trip.
 */
export const throughPooler = new WeakSet<object>();

/** PostgreSQL settings of a session, by name (`lock_timeout: '5000ms'`). */
export type SessionSettings = Readonly<Record<string, string>>;

/** Every pool's timeouts (config DATABASE_LOCK_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS). */
export function timeoutSettings(timeouts: DatabaseTimeouts): SessionSettings {
  return { lock_timeout: `${timeouts.lockMs}ms`, statement_timeout: `${timeouts.statementMs}ms` };
}

/**
 * pg-pool's onConnect hook that SETs `settings` on a new connection before it is handed out (one simple-protocol
 * round trip), or undefined when there is nothing to set. pg-boss passes its options to pg's Pool as they are, so
 * its pool takes the same hook.
 */
export function settingsOnConnect(settings: SessionSettings): ((client: pg.ClientBase) => Promise<void>) | undefined {
  const statement = setStatement(settings);
  if (!statement) return undefined;
  return async (client) => {
    await client.query(statement);
  };
}

/** The SET statements (names are ours, values quoted as literals), or null. */
function setStatement(settings: SessionSettings): string | null {
  const entries = Object.entries(settings);
  if (entries.length === 0) return null;
  return entries
    .map(([name, value]) => {
      if (!/^[a-z_]+$/.test(name)) throw new Error(`Not a setting name: ${name}`);
      return `SET ${name} = '${value.replaceAll("'", "''")}'`;
    })
    .join('; ');
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

/** Connections whose socket is corked until the current stretch of synchronous code ends (coalesceWrites). */
const corked = new WeakSet<object>();

/**
 * The statements given to `client` from now until the current stretch of synchronous code ends go out in one write
 * (one system call), not one each. On the pipelined pool a transaction issues several at once (BEGIN and its locks;
 * an INSERT and its COMMIT), and pg writes each as it is given — measured under the registrations' load: a fifth of
 * the API's CPU in those writes. The socket is corked, and uncorked in a microtask: nothing waits on the held
 * statements before then, and a connection that is not pipelined sends one statement at a time anyway.
 */
export function coalesceWrites(client: pg.PoolClient): void {
  const stream = (client as pg.PoolClient & { connection?: { stream?: Partial<Writable> } }).connection?.stream;
  if (!stream?.cork || !stream.uncork || corked.has(stream)) return;
  const uncork = stream.uncork.bind(stream);
  corked.add(stream);
  stream.cork();
  queueMicrotask(() => {
    corked.delete(stream);
    uncork();
  });
}

/**
 * Behind a transaction pooler, the settings every connection should start with (the timeouts) become the role's
 * defaults in this database, set over the direct connection: PostgreSQL applies them to each server connection the
 * pooler opens from then on, whichever client's transaction runs there. A role may set its own defaults; should the
 * database refuse, the process runs without them and says what to run.
 */
export async function setRoleDefaults(directUrl: string, settings: SessionSettings, logger: Logger): Promise<void> {
  const client = new pg.Client({ connectionString: directUrl, application_name: 'eventogate-setup' });
  await client.connect();
  try {
    const { rows } = await client.query<{ database: string }>('SELECT current_database() AS database');
    const database = pg.escapeIdentifier(rows[0]!.database);
    for (const [name, value] of Object.entries(settings)) {
      if (!/^[a-z_]+$/.test(name)) throw new Error(`Not a setting name: ${name}`);
      const statement = `ALTER ROLE CURRENT_USER IN DATABASE ${database} SET ${name} = ${pg.escapeLiteral(value)}`;
      try {
        await client.query(statement);
      } catch (error) {
        logger.warn({ err: error, statement }, 'could not set a default of the database role: connections through the pooler run without it');
      }
    }
  } finally {
    await client.end();
  }
}
