import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/modules/api-keys/api-keys.service.ts';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { http } from '../support/http.ts';
import { untilWebhooksSettled } from '../support/jobs.ts';
import { type PgBouncer, pgBouncerMissing, startPgBouncer } from '../support/pgbouncer.ts';
import { type Postgres15, startPostgres15 } from '../support/postgres15.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { subscribeWs } from '../support/subscriptions.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * Issue 31: EventoGate behind a transaction pooler. Debian's PgBouncer 1.18 in transaction mode (no startup
 * `options`, no prepared statements) in front of PostgreSQL 15; two EventoGate processes with DATABASE_URL at the
 * pooler and DATABASE_DIRECT_URL at the database, as docs/operations.md describes.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const missing = pgBouncerMissing();

let pg15: Postgres15;
let bouncer: PgBouncer;
let one: TestApp;
let two: TestApp;
let receiver: WebhookReceiver;
let direct: pg.Client;

function migrate(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventogate-migrate-'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'eventogate.mjs'), 'migrate'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, SECRET_KEY: TEST_SECRET_KEY, ...env } },
      (error, stdout, stderr) => {
        rmSync(dataDir, { recursive: true, force: true });
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe.skipIf(missing)(`behind PgBouncer 1.18 in transaction mode${missing ? ` — not run: ${missing}` : ''}`, () => {
  beforeAll(async () => {
    pg15 = await startPostgres15();
    bouncer = await startPgBouncer(pg15.url, { poolSize: 10 });
    direct = new pg.Client({ connectionString: pg15.url });
    await direct.connect();
    receiver = await new WebhookReceiver().start();
  }, 60_000);

  afterAll(async () => {
    await one?.close();
    await two?.close();
    await direct?.end();
    await receiver?.stop();
    await bouncer?.stop();
    await pg15?.stop();
  });

  it('two `eventogate migrate` at once: both succeed, each migration applied once, no lock left behind', { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: bouncer.url, DATABASE_DIRECT_URL: pg15.url };
    const runs = await Promise.all([migrate(env), migrate(env)]);
    expect(runs.map((run) => [run.code, run.stdout])).toEqual([
      [0, 'Migrations are applied.\n'],
      [0, 'Migrations are applied.\n'],
    ]);
    const { rows } = await direct.query<{ name: string; times: number }>(
      'SELECT migration_name AS name, count(*)::int AS times FROM _prisma_migrations GROUP BY 1 HAVING count(*) > 1',
    );
    expect(rows).toEqual([]);
    expect((await direct.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory'`)).rowCount).toBe(0);
  });

  it('registrations, check-ins, webhooks and live feeds work across two processes; a revoked key is refused at once', { timeout: 120_000 }, async () => {
    const env = { DATABASE_DIRECT_URL: pg15.url, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' };
    one = await startTestApp(env, { databaseUrl: bouncer.url });
    two = await startTestApp(env, { databaseUrl: bouncer.url });
    // Behind the pooler, the timeouts are the role's defaults in this database (no session SET would stay put).
    const { rows: timeouts } = await direct.query<{ setconfig: string[] }>(
      'SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()',
    );
    expect(timeouts.flatMap((row) => row.setconfig).sort()).toEqual(['lock_timeout=5000ms', 'statement_timeout=15000ms']);

    const seed = await createSeedShapedEvent(one.deps);
    await createEndpoint(one.deps, seed.owner.actor, `${receiver.url}/pooled`, { triggers: ['ATTENDEE_REGISTERED', 'ATTENDEE_CHECKED_IN'] });
    const feed = await subscribeWs(two.url, 'subscription ($id: ID!) { checkIns(eventId: $id) { attendee { id } stats { checkedIn } } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    try {
      // Parallel registrations on both processes: the same statements, unnamed, on whatever server connection the
      // pooler gives (named ones collided between processes: "prepared statement "eg_0" requires 1").
      const registered = await Promise.all(
        Array.from({ length: 40 }, (_, i) => postRegistration((i % 2 ? one : two).url, seed.event.id, registrationBody(), { key: seed.liveKey })),
      );
      expect(registered.map((r) => r.status)).toEqual(Array(40).fill(201));

      const started = Date.now();
      const checkIn = await http<{ already_checked_in: boolean }>(`${one.url}/v1/events/${seed.event.id}/check-ins`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
        body: JSON.stringify({ qr_token: (registered[0]!.body as { qr_token: string }).qr_token }),
      });
      expect(checkIn.status).toBe(200);
      const live = await feed.nth(1, 1_000);
      console.info(`check-in on one process → live feed on the other, through the pooler: ${Date.now() - started} ms`);
      expect(live.checkIns).toEqual({ attendee: { id: (registered[0]!.body as { id: string }).id }, stats: { checkedIn: 1 } });

      await untilWebhooksSettled(one);
      expect(receiver.on('/pooled')).toHaveLength(41);
      const deliveries = await direct.query<{ status: string; n: number }>(
        `SELECT d.status, count(*)::int AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE e.organisation_id = $1 GROUP BY 1`,
        [seed.owner.organisationId],
      );
      expect(deliveries.rows).toEqual([{ status: 'SUCCEEDED', n: 41 }]);

      // The key is cached on process two; revoked on process one, two refuses it within a second.
      const list = () => http(`${two.url}/v1/events/${seed.event.id}/registrations?limit=1`, { headers: { authorization: `Bearer ${seed.liveKey}` } });
      expect((await list()).status).toBe(200);
      await revokeApiKey(one.deps, { actor: seed.owner.actor, input: { id: seed.liveKeyId } });
      const revoked = Date.now();
      await expect.poll(async () => (await list()).status, { timeout: 1_000, interval: 25 }).toBe(401);
      console.info(`key revoked on one process → refused by the other: ${Date.now() - revoked} ms`);

      // Readiness says so when a process hears no notifications (its live feeds and caches would go stale).
      for (const app of [one, two]) expect((await http(`${app.url}/readyz`)).status).toBe(200);
      await two.deps.pubsub.close();
      expect(await http(`${two.url}/readyz`)).toMatchObject({ status: 503, body: { status: 'unavailable', reason: 'database notifications not received' } });
    } finally {
      await feed.close();
    }
  });
});
