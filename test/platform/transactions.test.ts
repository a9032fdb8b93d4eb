import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSql } from '../../src/db/sql.ts';
import { afterBegin } from '../../src/db/transactions.ts';
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
});
