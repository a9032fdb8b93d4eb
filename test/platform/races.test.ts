import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { SharedCache } from '../../src/lib/shared-cache.ts';
import { RateLimiter } from '../../src/rest/rate-limit.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('a cache load racing an invalidation', () => {
  it('does not put back what it read before the write: the next read loads again', async () => {
    const cache = new SharedCache<{ value: string }>('race-test', app.deps.pubsub, { max: 10, ttlMs: 60_000 });
    await cache.start();
    let release!: () => void;
    const slowLoad = cache.get('k', async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { value: 'read before the write' };
    });
    while (!release) await new Promise((r) => setTimeout(r, 1));
    // The write commits and invalidates while the load is still out.
    await cache.invalidate('k');
    release();
    expect(await slowLoad).toEqual({ value: 'read before the write' });
    expect(await cache.get('k', async () => ({ value: 'after the write' }))).toEqual({ value: 'after the write' });
  });

  it('a revoked API key is refused on the very next request', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    // Fill the cache, then revoke through the service (which invalidates) and use the key again.
    expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
    const { revokeApiKey } = await import('../../src/modules/api-keys/api-keys.service.ts');
    await revokeApiKey(app.deps, { actor: seed.owner.actor, input: { id: seed.liveKeyId } });
    const after = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    expect(after.status).toBe(401);
  });
});

describe('rate-limit counters shared by two processes', () => {
  it('batches with overlapping keys in opposite orders never deadlock, and every point is counted', async () => {
    const logger = createLogger('silent');
    const pools = [0, 1].map((n) => createPool({ databaseUrl: app.databaseUrl, max: 4, name: `limiter-${n}`, logger }));
    try {
      const limiters = pools.map((pool) => new RateLimiter(pool, { keyPrefix: 'race', points: 1_000_000, durationMs: 60_000 }));
      const keys = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      // Each round, both "processes" take one point from every key at once, one ascending and one descending.
      for (let round = 0; round < 25; round++) {
        await Promise.all([...keys.map((key) => limiters[0]!.consume(key)), ...[...keys].reverse().map((key) => limiters[1]!.consume(key))]);
      }
      const { rows } = await app.deps.pool.query<{ key: string; points: number }>("SELECT key, points FROM rate_limits WHERE key LIKE 'race:%'");
      expect(rows).toHaveLength(40);
      for (const row of rows) expect(row.points, row.key).toBe(50);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});

describe('a check-in batch', () => {
  it('answers a scan whose attendee was deleted between lookup and update with 404, and the others normally', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const [gone, kept] = await Promise.all(
      [0, 1].map(async () => (await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).body),
    );
    const deleter = new pg.Client({ connectionString: app.databaseUrl });
    await deleter.connect();
    try {
      // The deletion holds the row until it commits: the scans' lookup still sees it, their UPDATE waits.
      await deleter.query('BEGIN');
      await deleter.query('DELETE FROM attendees WHERE id = $1', [gone.id]);
      const scan = (qrToken: string) =>
        http<any>(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
          body: JSON.stringify({ qr_token: qrToken }),
        });
      const scans = Promise.all([scan(gone.qr_token), scan(kept.qr_token)]);
      for (;;) {
        const { rows } = await app.deps.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        if (rows[0]!.n > 0) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      await deleter.query('COMMIT');
      const [goneAnswer, keptAnswer] = await scans;
      expect(goneAnswer.status).toBe(404);
      expect(goneAnswer.body).toEqual({ error: 'not_found', message: 'Ticket not found.' });
      expect(keptAnswer.status).toBe(200);
      expect(keptAnswer.body.already_checked_in).toBe(false);
    } finally {
      await deleter.end();
    }
  });
});
