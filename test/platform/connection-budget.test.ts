import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionBudget, MIN_POOL_SIZE } from '../../src/db/budget.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphql, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * Issue 31: one setting, DATABASE_POOL_SIZE, bounds the connections a process opens, split between its pools by
 * role; when a pool is exhausted, requests wait briefly and are answered 503 (nothing written), never a crash.
 */
describe('connectionBudget', () => {
  it('splits exactly the total, every pool at least one, by what the role does', () => {
    for (let total = MIN_POOL_SIZE; total <= 200; total++) {
      for (const role of ['all', 'api', 'worker'] as const) {
        const budget = connectionBudget(total, role);
        expect({ total, role, sum: Object.values(budget).reduce((a, b) => a + b, 0) }).toEqual({ total, role, sum: total });
        expect(Math.min(...Object.values(budget))).toBeGreaterThanOrEqual(1);
      }
    }
    // An API process sends jobs but runs none; a worker serves no API.
    expect(connectionBudget(20, 'api')).toEqual({ listen: 1, health: 1, publish: 1, rateLimits: 3, jobs: 1, prisma: 5, app: 8 });
    expect(connectionBudget(20, 'worker')).toEqual({ listen: 1, health: 1, publish: 1, rateLimits: 1, jobs: 6, prisma: 3, app: 7 });
    expect(() => connectionBudget(6, 'all')).toThrow('DATABASE_POOL_SIZE must be an integer of at least 7');
  });
});

describe('a process on DATABASE_POOL_SIZE=12', () => {
  const POOL_SIZE = 12;
  let app: TestApp;
  let admin: pg.Client;
  let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;

  beforeAll(async () => {
    app = await startTestApp({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
    admin = new pg.Client({ connectionString: app.databaseUrl, application_name: 'test-admin' });
    await admin.connect();
    seed = await createSeedShapedEvent(app.deps);
  }, 60_000);

  afterAll(async () => {
    await admin?.end();
    await app?.stop();
  });

  it('holds at most 12 connections under a load of registrations, check-ins and dashboard queries', { timeout: 60_000 }, async () => {
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'eventogate%'`,
        );
        peak = Math.max(peak, rows[0]!.n);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const registered = await Promise.all(
      Array.from({ length: 150 }, () => postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })),
    );
    const [checkIns, queries] = await Promise.all([
      Promise.all(
        registered.slice(0, 60).map((r) =>
          http(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
            body: JSON.stringify({ qr_token: (r.body as { qr_token: string }).qr_token }),
          }),
        ),
      ),
      Promise.all(
        Array.from({ length: 40 }, () =>
          graphql(app.url, 'query ($id: ID!) { attendees(eventId: $id, first: 20) { totalCount edges { node { id email } } } }', {
            token: seed.owner.token,
            variables: { id: seed.event.id },
          }),
        ),
      ),
    ]);
    sampling = false;
    await sampler;
    expect(registered.map((r) => r.status)).toEqual(Array(150).fill(201));
    expect(checkIns.map((r) => r.status)).toEqual(Array(60).fill(200));
    expect(queries.filter((r) => r.errors)).toEqual([]);
    console.info(`peak connections of one process on DATABASE_POOL_SIZE=${POOL_SIZE}: ${peak}`);
    expect(peak).toBeGreaterThan(3);
    expect(peak).toBeLessThanOrEqual(POOL_SIZE);
  });

  it('with its plain-SQL pool exhausted, a registration waits briefly and gets the documented 503; nothing is written', { timeout: 60_000 }, async () => {
    const budget = connectionBudget(POOL_SIZE, 'all');
    const held = await Promise.all(Array.from({ length: budget.app }, () => app.deps.pool.connect()));
    const before = await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } });
    try {
      const started = performance.now();
      const refused = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      const waited = performance.now() - started;
      expect({ status: refused.status, body: refused.body, retryAfter: refused.headers.get('retry-after') }).toEqual({
        status: 503,
        body: { error: 'service_unavailable', message: 'The service is temporarily unavailable. Nothing was changed; retry in a few seconds.' },
        retryAfter: expect.stringMatching(/^\d+$/),
      });
      expect(waited).toBeLessThan(10_000);
      expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(before);
    } finally {
      for (const client of held) client.release();
    }
    expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
  });
});
