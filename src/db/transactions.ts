import type pg from 'pg';
import { isTransactionConflict } from './availability.ts';
import { withClient } from './pool.ts';
import type { Db, PrismaClient } from './prisma.ts';
import { clientSql, type Sql } from './sql.ts';

/**
 * Transactions: through Prisma (`transaction`) or plain pg for the hot paths (`sqlTransaction`, see sql.ts). Work
 * that must happen only once a transaction committed — waking the workers of a queue it sent jobs to — is
 * registered with `afterCommit` from inside it, and runs after COMMIT (not at all after a rollback).
 */
export class Transactions {
  readonly #afterCommit = new WeakMap<object, Array<() => void>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
  ) {}

  /**
   * A plain pg transaction on one pooled connection. With `retryOnConflict: n`, a transaction PostgreSQL aborted
   * as a deadlock victim (or a serialization failure) runs again, up to n more times: `fn` must be safe to run
   * again from the start (nothing of an aborted run was written; its after-commit work is dropped with it).
   */
  async sqlTransaction<T>(fn: (sql: Sql) => Promise<T>, options: { retryOnConflict?: number } = {}): Promise<T> {
    for (let retries = options.retryOnConflict ?? 0; ; retries--) {
      try {
        return await this.#sqlTransactionOnce(fn);
      } catch (error) {
        if (retries <= 0 || !isTransactionConflict(error)) throw error;
      }
    }
  }

  /**
   * BEGIN is not waited for: on the app's pipelined pool (app.ts) it goes out with the statements `fn` issues before
   * its answer, and those the transaction starts with together — one round trip where there were two or more, each
   * a wait for this busy event loop to read the answer. No statement's result reaches `fn` before BEGIN succeeded,
   * so nothing is decided, and nothing written on a result, outside the transaction.
   */
  async #sqlTransactionOnce<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const hooks: Array<() => void> = [];
    const result = await withClient(this.pool, async (client, discard) => {
      const begun = client.query('BEGIN');
      const sql = afterBegin(begun, clientSql(client));
      this.#afterCommit.set(sql, hooks);
      try {
        const value = await fn(sql);
        await begun;
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(discard);
        throw error;
      }
    });
    for (const hook of hooks) hook();
    return result;
  }

  /** prisma.$transaction, with its after-commit work run once it committed. */
  async transaction<T>(fn: (tx: Db) => Promise<T>, options: { maxWait?: number; timeout?: number } = {}): Promise<T> {
    const hooks: Array<() => void> = [];
    const result = await this.prisma.$transaction(async (tx) => {
      this.#afterCommit.set(tx, hooks);
      return await fn(tx);
    }, options);
    for (const hook of hooks) hook();
    return result;
  }

  /**
   * Runs `hook` once `db`'s transaction committed, if `db` is one of ours; answers false (and runs nothing) when
   * it is not — a plain client or pool, where the caller decides.
   */
  afterCommit(db: object, hook: () => void): boolean {
    const hooks = this.#afterCommit.get(db);
    if (!hooks) return false;
    hooks.push(hook);
    return true;
  }
}

/** `sql` whose every result is held back until `begun` (the transaction's BEGIN) succeeded, and fails with it. */
export function afterBegin(begun: Promise<unknown>, sql: Sql): Sql {
  // Seen here, so a failed BEGIN is not an unhandled rejection when no statement is waiting on it.
  begun.catch(() => {});
  return {
    query: <T>(text: string, values?: readonly unknown[]) => {
      const rows = sql.query<T>(text, values);
      // A statement behind a failed BEGIN fails too; its error is superseded by BEGIN's, not unhandled.
      rows.catch(() => {});
      return begun.then(() => rows);
    },
  };
}
