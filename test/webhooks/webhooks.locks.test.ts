import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolSql } from '../../src/db/sql.ts';
import { extendLeases } from '../../src/modules/webhooks/webhooks.sql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * #33 item 2: a burst after a held lock deadlocked extendLeases (an unordered UPDATE) against recordAttempts (id
 * order, FOR NO KEY UPDATE); the victim's outcomes were lost and the receiver got the same webhooks again. Now every
 * statement on deliveries locks in id order (leases skip a delivery being recorded), and a deadlock victim runs
 * again. Both with real locks in PostgreSQL.
 */
let app: TestApp;
let admin: pg.Client;
beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  admin = new pg.Client({ connectionString: app.databaseUrl });
  await admin.connect();
}, 60_000);
afterAll(async () => {
  await admin?.end();
  await app?.stop();
});

describe('locks on deliveries', () => {
  it('renewing leases never waits on a delivery whose outcome is being recorded, and renews the others', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, 'http://127.0.0.1:9/leases');
    const soon = new Date(Date.now() + 10_000);
    const ids = ['whd_01kleasea000000000000000000', 'whd_01kleaseb000000000000000000'];
    for (const id of ids) {
      await app.deps.prisma.webhookDelivery.create({
        data: {
          id,
          endpointId: endpoint.id,
          trigger: 'ATTENDEE_REGISTERED',
          emissionId: `emi_${id}`,
          payload: '{}',
          leaseToken: 'worker-1:batch',
          leaseUntil: soon,
        },
      });
    }
    // The first one is being recorded: its row locked as recordAttempts locks it.
    await admin.query('BEGIN');
    await admin.query('SELECT id FROM webhook_deliveries WHERE id = $1 FOR NO KEY UPDATE', [ids[0]]);
    try {
      const started = performance.now();
      await Promise.race([
        extendLeases(poolSql(app.deps), 'worker-1', 60_000),
        new Promise((_, reject) => setTimeout(() => reject(new Error('extendLeases waited on a locked delivery')), 3_000)),
      ]);
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await admin.query('ROLLBACK');
    }
    const rows = await app.deps.prisma.webhookDelivery.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.leaseUntil!.getTime() === soon.getTime())).toEqual([true, false]);
    expect(rows[1]!.leaseUntil!.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it('a transaction chosen as a deadlock victim runs again (retryOnConflict) instead of losing its work', async () => {
    const table = `deadlock_probe_${process.pid}`;
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int NOT NULL)`);
    await admin.query(`INSERT INTO ${table} VALUES (1, 0), (2, 0)`);
    try {
      // The other side holds row 2.
      // Which side PostgreSQL aborts depends on whose deadlock check runs first, once both wait (each checks once,
      // deadlock_timeout after it began waiting). With the default 1 s for both, a loaded machine that took over a
      // second between ours waiting and theirs beginning to wait let ours check too early (no cycle yet) and theirs
      // find it: the wrong victim. So ours checks after 3 s (its lock_timeout raised past that), theirs after 60 s:
      // ours is the victim unless theirs takes over 3 s to begin waiting.
      await admin.query("SET deadlock_timeout = '60s'");
      await admin.query('BEGIN');
      await admin.query(`UPDATE ${table} SET v = v + 1 WHERE id = 2`);
      let runs = 0;
      let holdsRow1!: () => void;
      const hasRow1 = new Promise<void>((resolve) => {
        holdsRow1 = resolve;
      });
      let otherCommitted!: () => void;
      const committed = new Promise<void>((resolve) => {
        otherCommitted = resolve;
      });
      // Ours: row 1, then row 2 (waits on the other side).
      const ours = app.deps.db.sqlTransaction(
        async (sql) => {
          runs++;
          // The retry waits for the other side's commit. Otherwise it can reach row 1 before the other side's woken
          // UPDATE takes it: the aborted run's lock is gone, and a newcomer finding a row free does not queue behind
          // a waiter — so the retry takes row 1, wants row 2 and is the victim again (a CI run saw three runs:
          // correct, the work still landed, but not this test's case).
          if (runs > 1) await committed;
          await sql.query("SET LOCAL deadlock_timeout = '3s'");
          await sql.query("SET LOCAL lock_timeout = '20s'");
          await sql.query(`UPDATE ${table} SET v = v + 1 WHERE id = 1`);
          holdsRow1();
          await sql.query(`UPDATE ${table} SET v = v + 1 WHERE id = 2`);
        },
        { retryOnConflict: 3 },
      );
      await hasRow1;
      // Ours is now waiting for row 2 (seen in pg_stat_activity, not guessed from time): it waited first. Asked on the
      // pool, not on `admin`: inside admin's open transaction the view is one snapshot, taken at the first poll —
      // which can come before ours begins to wait, and then never sees it (a CI run failed so).
      await expect
        .poll(
          async () =>
            (
              await app.deps.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [
                `UPDATE ${table} SET v = v + 1 WHERE id = 2%`,
              ])
            ).rows[0]!.n,
          { timeout: 5_000, interval: 20 },
        )
        .toBe(1);
      // The other side now wants row 1: a deadlock. Ours waited first, so PostgreSQL's check (after
      // deadlock_timeout) runs in our backend and aborts ours (40P01); the other side then gets row 1.
      await admin.query(`UPDATE ${table} SET v = v + 1 WHERE id = 1`);
      await admin.query('COMMIT');
      otherCommitted();
      await ours;
      expect(runs).toBe(2);
      expect((await admin.query(`SELECT id, v FROM ${table} ORDER BY id`)).rows).toEqual([
        { id: 1, v: 2 },
        { id: 2, v: 2 },
      ]);
    } finally {
      await admin.query('ROLLBACK').catch(() => {});
      await admin.query('RESET deadlock_timeout');
      await admin.query(`DROP TABLE IF EXISTS ${table}`);
    }
  });
});
