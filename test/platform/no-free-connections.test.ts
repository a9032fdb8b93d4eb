import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * #33 item 7: when PostgreSQL has no connection left for us (SQLSTATE 53300) /readyz says so — "database has no free
 * connections", not "unreachable": the fixes differ — and the 503s it causes are warnings naming the reason, not
 * "unhandled error" with a stack. Played for real: a role of its own whose CONNECTION LIMIT drops to 0 (PostgreSQL
 * answers 53300 for it; superusers are exempt, so the app here logs in as that role), its backends terminated.
 */
let owner: TestApp;
let limited: TestApp;
let admin: pg.Client;
const role = `eg_full_${process.pid}`;
const lines: string[] = [];

beforeAll(async () => {
  owner = await startTestApp();
  admin = new pg.Client({ connectionString: owner.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'limited-role-password'`);
  for (const schema of ['public', 'pgboss']) {
    await admin.query(`GRANT ALL ON SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT ALL ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`);
  }
  const url = new URL(owner.databaseUrl);
  url.username = role;
  url.password = 'limited-role-password';
  limited = await startTestApp({ ROLE: 'api', LOG_LEVEL: 'warn' }, { databaseUrl: url.toString(), logLines: lines });
}, 60_000);

afterAll(async () => {
  await admin?.query(`ALTER ROLE ${role} CONNECTION LIMIT -1`).catch(() => {});
  await limited?.close();
  await admin?.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]).catch(() => {});
  await admin?.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`).catch(() => {});
  await admin?.query(`DROP OWNED BY ${role}`).catch(() => {});
  await admin?.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
  await admin?.end();
  await owner?.stop();
});

describe('no free connections (53300)', () => {
  it('/readyz names it, requests get the documented 503, and the log has a warning without a stack', async () => {
    const seed = await createSeedShapedEvent(owner.deps);
    expect((await fetch(`${limited.url}/readyz`)).status).toBe(200);

    await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT 0`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
    // The pools notice their connections are gone, then every new one is refused with 53300.
    let body: { status?: string; reason?: string } = {};
    await expect
      .poll(
        async () => {
          const res = await fetch(`${limited.url}/readyz`);
          body = (await res.json()) as typeof body;
          return [res.status, body.reason];
        },
        { timeout: 15_000 },
      )
      .toEqual([503, 'database has no free connections']);
    expect(body.status).toBe('unavailable');

    const refused = await postRegistration(limited.url, seed.event.id, registrationBody({ email: 'full@example.com' }), { key: seed.liveKey });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body).toEqual({
      error: 'service_unavailable',
      message: 'The service is temporarily unavailable. Nothing was changed; retry in a few seconds.',
    });
    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string; err?: unknown });
    expect(warnings.filter((l) => l.msg === 'unhandled error')).toEqual([]);
    const answered = warnings.filter((l) => l.msg === 'answered 503');
    expect(answered.length).toBeGreaterThanOrEqual(1);
    expect(answered.every((l) => l.level === 40 && l.reason === 'database has no free connections' && l.err === undefined)).toBe(true);

    await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT -1`);
    await expect.poll(async () => (await fetch(`${limited.url}/readyz`)).status, { timeout: 15_000 }).toBe(200);
    const after = await postRegistration(limited.url, seed.event.id, registrationBody({ email: 'full@example.com' }), { key: seed.liveKey });
    expect(after.status).toBe(201);
  }, 60_000);
});
