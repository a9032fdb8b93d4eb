import type pg from 'pg';
import { isTransactionConflict } from './availability.ts';
import { coalesceWrites, withClient } from './pool.ts';
import type { Db, PrismaClient } from './prisma.ts';
import { clientSql, type Sql } from './sql.ts';

/**
 * Transactions: through Prisma (`transaction`) or plain pg for the hot paths (`sqlTransaction`, see sql.ts). Work
 * that must happen only once a transaction committed — waking the workers of a queue it sent jobs to — is
 * registered with `afterCommit` from inside it, and runs after COMMIT (not at all after a rollback).
 */
export class Transactions {
  readonly #afterCommit = new WeakMap<object, Array<() => void>>();
  readonly #commitNow = new WeakMap<object, () => void>();

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
   * so nothing is decided, and nothing written on a result, outside the transaction. COMMIT likewise goes out behind
   * the last statement when `fn` says it has issued it (commitNow).
   */
  async #sqlTransactionOnce<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const hooks: Array<() => void> = [];
    const result = await withClient(this.pool, async (client, discard) => {
      // BEGIN, the statements `fn` starts with, and later an early COMMIT with the statement before it: one write each.
      coalesceWrites(client);
      const begun = client.query('BEGIN');
      const sent: { commit: Promise<pg.QueryResult> | null } = { commit: null };
      const sql = afterBegin(
        begun,
        untilCommit(clientSql(client), () => sent.commit !== null),
      );
      this.#afterCommit.set(sql, hooks);
      this.#commitNow.set(sql, () => {
        coalesceWrites(client);
        sent.commit ??= client.query('COMMIT');
        // Seen here: its outcome is read below, whatever `fn` does meanwhile.
        sent.commit.catch(() => {});
      });
      try {
        const value = await fn(sql);
        await begun;
        const { commit } = sent;
        if (commit) await committed(commit);
        else await client.query('COMMIT');
        return value;
      } catch (error) {
        // Rows a COMMIT already made durable are not rolled back by an error after it: the caller must not write
        // them again as if nothing had been written (CommittedError).
        const ended = await sent.commit?.then(
          (answer) => answer.command,
          () => null,
        );
        if (ended === 'COMMIT') throw new CommittedError(error);
        // PostgreSQL answered an early COMMIT with ROLLBACK: nothing is left to roll back.
        if (ended !== 'ROLLBACK') await client.query('ROLLBACK').catch(discard);
        throw error;
      }
    });
    for (const hook of hooks) hook();
    return result;
  }

  /**
   * Sends the COMMIT of `sql`'s transaction (sqlTransaction) now, behind the statements issued so far, in the same
   * round trip as the last of them on the pipelined pool — instead of one more round trip once `fn` returned. Call it
   * right after issuing the transaction's last statement: any statement after it is refused. If a statement before
   * it fails, PostgreSQL answers the COMMIT with ROLLBACK and nothing was written: the transaction fails with that
   * statement's error, as it would have. An error thrown by `fn` once the COMMIT succeeded is a CommittedError.
   * Answers false (and sends nothing) when `sql` is not an sqlTransaction's.
   */
  commitNow(sql: object): boolean {
    const commit = this.#commitNow.get(sql);
    commit?.();
    return commit !== undefined;
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

/**
 * A transaction's work failed after its COMMIT (commitNow) succeeded: what it wrote is durable. Whoever writes it
 * again on this error (a batch split to write each item alone) would write it twice.
 */
export class CommittedError extends Error {
  constructor(cause: unknown) {
    super('the transaction committed, then its work failed', { cause });
  }
}

/** A COMMIT that PostgreSQL answered with ROLLBACK (a statement before it failed) is a failed transaction. */
async function committed(commit: Promise<pg.QueryResult>): Promise<void> {
  if ((await commit).command !== 'COMMIT') throw new Error('the transaction was rolled back at COMMIT');
}

/** `sql` that refuses statements once `done()` (its transaction's COMMIT is on its way). */
function untilCommit(sql: Sql, done: () => boolean): Sql {
  return {
    query: (text, values) => (done() ? Promise.reject(new Error('statement after COMMIT')) : sql.query(text, values)),
  };
}
