import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSql } from '../../src/db/sql.ts';
import { afterBegin, CommittedError } from '../../src/db/transactions.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

/**
 * Plain-SQL transactions on the app's pipelined pool: BEGIN goes out with the first statements instead of before them
 * (one round trip), and what they answer reaches the transaction's code only once BEGIN succeeded.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('a plain-SQL transaction', () => {
  it('runs the statements it issues at once, before BEGIN answered, inside itself; a throw rolls all of them back', async () => {
    const xact = 'SELECT pg_current_xact_id()::text AS id';
    const ids = await app.deps.db.sqlTransaction(async (sql) => {
      const [a, b] = await Promise.all([sql.query<{ id: string }>(xact), sql.query<{ id: string }>(xact)]);
      return [a[0]!.id, b[0]!.id];
    });
    // One transaction: one id (two transactions in autocommit would each have their own).
    expect(ids[0]).toBe(ids[1]);

    await app.deps.pool.query('CREATE TABLE tx_probe (n int)');
    await expect(
      app.deps.db.sqlTransaction(async (sql) => {
        await Promise.all([sql.query('INSERT INTO tx_probe VALUES (1)'), sql.query('INSERT INTO tx_probe VALUES (2)')]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await app.deps.pool.query('SELECT count(*)::int AS n FROM tx_probe')).rows[0].n).toBe(0);
  });

  it('hands no result to its code when BEGIN failed, though the statement itself ran', async () => {
    const client = new pg.Client({ connectionString: app.databaseUrl, pipeline: true });
    await client.connect();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const begun = Promise.reject(new Error('BEGIN failed'));
      const sql = afterBegin(begun, clientSql(client as unknown as pg.PoolClient));
      await expect(sql.query('SELECT 1 AS one')).rejects.toThrow('BEGIN failed');
      // A statement that fails behind it is reported as BEGIN's failure, and is not an unhandled rejection.
      await expect(sql.query('SELECT 1 / 0')).rejects.toThrow('BEGIN failed');
      // Once the statements behind it were answered (the connection answers in order) and a turn of the loop ran,
      // an unhandled rejection would have been reported.
      await client.query('SELECT 1');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await client.end();
    }
  });

  it('sends the statements it issues together in one write to the socket, not one write each', async () => {
    const client = new pg.Client({ connectionString: app.databaseUrl, pipeline: true });
    await client.connect();
    try {
      const socket = (client as unknown as { connection: { stream: { _write: unknown; _writev: unknown } } }).connection.stream;
      const writes: string[] = [];
      for (const method of ['_write', '_writev'] as const) {
        const original = socket[method] as (...args: unknown[]) => unknown;
        socket[method] = (...args: unknown[]) => {
          writes.push(method);
          return original.apply(socket, args);
        };
      }
      const sql = clientSql(client as unknown as pg.PoolClient);
      const answers = await Promise.all([sql.query('SELECT 1 AS n'), sql.query('SELECT 2 AS n'), sql.query('SELECT $1::int AS n', [3])]);
      expect(answers).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]]);
      expect(writes).toEqual(['_writev']);
      // The next stretch of statements: a write of its own.
      await sql.query('SELECT 4 AS n');
      expect(writes).toHaveLength(2);
    } finally {
      await client.end();
    }
  });

  describe('with its COMMIT sent behind its last statement (commitNow)', () => {
    const count = async (table: string) => (await app.deps.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

    it('commits what it wrote, before its code returned: the COMMIT went out with the last statement', async () => {
      await app.deps.pool.query('CREATE TABLE early_probe (n int)');
      const seenOutside = await app.deps.db.sqlTransaction(async (sql) => {
        await sql.query('INSERT INTO early_probe VALUES (1)');
        const last = sql.query('INSERT INTO early_probe SELECT 2 FROM pg_sleep(0.2)');
        expect(app.deps.db.commitNow(sql)).toBe(true);
        await last;
        // Still inside the transaction's code: another connection's SHARE lock on the table waits for this transaction
        // to end (its INSERTs hold ROW EXCLUSIVE) — it ends with the COMMIT queued behind the INSERT. Without the early
        // COMMIT it would end only after this function returned: the probe's lock times out and it sees nothing.
        const probe = await app.deps.pool.connect();
        try {
          await probe.query('BEGIN');
          await probe.query("SET LOCAL lock_timeout = '5s'");
          await probe.query('LOCK TABLE early_probe IN SHARE MODE');
          const { rows } = await probe.query<{ n: number }>('SELECT count(*)::int AS n FROM early_probe');
          await probe.query('COMMIT');
          return rows[0]!.n;
        } catch {
          await probe.query('ROLLBACK');
          return null;
        } finally {
          probe.release();
        }
      });
      expect(seenOutside).toBe(2);
      expect(await count('early_probe')).toBe(2);
    });

    it('a statement failing in front of it writes nothing: PostgreSQL answers the COMMIT with ROLLBACK, and the failure is its own', async () => {
      await app.deps.pool.query('CREATE TABLE failed_probe (n int)');
      const failure = app.deps.db.sqlTransaction(async (sql) => {
        await sql.query('INSERT INTO failed_probe VALUES (1)');
        const last = sql.query('INSERT INTO failed_probe VALUES (1 / 0)');
        app.deps.db.commitNow(sql);
        return await last;
      });
      await expect(failure).rejects.toThrow('division by zero');
      await expect(failure).rejects.not.toBeInstanceOf(CommittedError);
      expect(await count('failed_probe')).toBe(0);
      // The connection went back to the pool clean: the next transaction on it commits.
      await app.deps.db.sqlTransaction(async (sql) => sql.query('INSERT INTO failed_probe VALUES (3)'));
      expect(await count('failed_probe')).toBe(1);
    });

    it('refuses any statement after it; a failure once it committed is a CommittedError, and what it wrote stays', async () => {
      await app.deps.pool.query('CREATE TABLE late_probe (n int)');
      const late = app.deps.db.sqlTransaction(async (sql) => {
        const first = sql.query('INSERT INTO late_probe VALUES (1)');
        app.deps.db.commitNow(sql);
        await first;
        await sql.query('INSERT INTO late_probe VALUES (2)');
      });
      await expect(late).rejects.toBeInstanceOf(CommittedError);
      await expect(late).rejects.toMatchObject({ cause: new Error('statement after COMMIT') });
      expect((await app.deps.pool.query('SELECT n FROM late_probe')).rows).toEqual([{ n: 1 }]);
    });

    it('is not offered outside a plain-SQL transaction', async () => {
      expect(app.deps.db.commitNow({})).toBe(false);
      await app.deps.db.transaction(async (tx) => expect(app.deps.db.commitNow(tx)).toBe(false));
    });
  });
});
