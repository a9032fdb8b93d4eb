import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/modules/api-keys/api-keys.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createTestApiKey } from '../support/factories.ts';
import { http } from '../support/http.ts';
import { getJson, postRegistration, registrationBody } from '../support/rest.ts';

let app: TestApp;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;
let other: Awaited<ReturnType<typeof createSeedShapedEvent>>;
beforeAll(async () => {
  app = await startTestApp();
  seed = await createSeedShapedEvent(app.deps);
  other = await createSeedShapedEvent(app.deps);
});
afterAll(async () => {
  await app?.stop();
});

describe('authentication', () => {
  it('no key → the documented 401, byte for byte', async () => {
    const res = await postRegistration(app.url, seed.event.id, registrationBody());
    expect(res.status).toBe(401);
    expect(res.text).toBe('{"error":"unauthenticated","message":"API key required. Pass it as: Authorization: Bearer <your-api-key>"}');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it.each([
    [
      'an unknown key',
      () => ({ authorization: 'Bearer eg_live_0000000000000000000000000000000a' }),
      'Invalid API key. Check the key, or create one under Settings → API Keys.',
    ],
    ['a malformed key', () => ({ authorization: 'Bearer eg_live_short' }), 'Invalid API key. Check the key, or create one under Settings → API Keys.'],
    [
      'a dashboard session token',
      () => ({ authorization: `Bearer ${seed.owner.token}` }),
      'Invalid API key. Check the key, or create one under Settings → API Keys.',
    ],
    ['a non-Bearer scheme', () => ({ authorization: `Basic ${seed.liveKey}` }), 'Invalid API key. Check the key, or create one under Settings → API Keys.'],
  ])('%s → 401 unauthenticated', async (_case, headers, message) => {
    const before = await app.deps.prisma.attendee.count();
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { headers: headers() });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthenticated', message });
    expect(await app.deps.prisma.attendee.count()).toBe(before);
  });

  it('a revoked key → 401 saying it was revoked', async () => {
    const key = await createTestApiKey(app.deps, seed.owner.actor);
    expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: key.secret })).status).toBe(201);
    await revokeApiKey(app.deps, { actor: seed.owner.actor, input: { id: key.apiKey.id } });
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: key.secret });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthenticated', message: 'This API key has been revoked. Create a new one under Settings → API Keys.' });
  });
});

describe('caches across processes', () => {
  it('revoking a key on one server process stops it on another within moments (cache invalidated over NOTIFY)', async () => {
    const other = await startTestApp({}, { databaseUrl: app.databaseUrl });
    try {
      const key = await createTestApiKey(app.deps, seed.owner.actor);
      expect((await getJson(other.url, `/v1/events/${seed.event.id}/registrations`, key.secret)).status).toBe(200);
      await revokeApiKey(app.deps, { actor: seed.owner.actor, input: { id: key.apiKey.id } });
      await expect
        .poll(async () => (await getJson(other.url, `/v1/events/${seed.event.id}/registrations`, key.secret)).status, { timeout: 2_000, interval: 20 })
        .toBe(401);
    } finally {
      await other.close();
    }
  });

  it('cancelling an event on one process closes registration on another', async () => {
    const other = await startTestApp({}, { databaseUrl: app.databaseUrl });
    try {
      const fresh = await createSeedShapedEvent(app.deps);
      expect((await postRegistration(other.url, fresh.event.id, registrationBody(), { key: fresh.liveKey })).status).toBe(201);
      const { updateEvent } = await import('../../src/modules/events/events.service.ts');
      await updateEvent(app.deps, { actor: fresh.owner.actor, input: { id: fresh.event.id, status: 'CANCELLED' } });
      await expect
        .poll(async () => (await postRegistration(other.url, fresh.event.id, registrationBody(), { key: fresh.liveKey })).status, {
          timeout: 2_000,
          interval: 20,
        })
        .toBe(422);
    } finally {
      await other.close();
    }
  });
});

describe('organisation isolation', () => {
  it('another organisation’s event → 403, and nothing is written', async () => {
    const before = await app.deps.prisma.attendee.count({ where: { eventId: other.event.id } });
    for (const key of [seed.liveKey, seed.testKey]) {
      const res = await postRegistration(app.url, other.event.id, registrationBody(), { key });
      expect(res.status).toBe(403);
      expect(res.text).toBe('{"error":"forbidden","message":"The event does not belong to your organisation."}');
    }
    expect((await getJson(app.url, `/v1/events/${other.event.id}/registrations`, seed.liveKey)).status).toBe(403);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: other.event.id } })).toBe(before);
  });

  it('an unknown event → 404', async () => {
    for (const id of ['evt_01jd9zzzzzzzzzzzzzzzzzzzzz', '0190c3a2-1111-7000-8000-000000000000', 'nonsense']) {
      const res = await postRegistration(app.url, id, registrationBody(), { key: seed.liveKey });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not_found', message: 'Event not found.' });
    }
  });

  it('an attendee of another event, even of the same organisation, is 404 through this event', async () => {
    const created = await postRegistration(app.url, other.event.id, registrationBody(), { key: other.liveKey });
    const sibling = await import('../support/factories.ts').then((f) => f.createTestEvent(app.deps, other.owner.actor));
    const res = await getJson(app.url, `/v1/events/${sibling.id}/registrations/${created.body.id}`, other.liveKey);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found', message: 'Registration not found.' });
    expect((await getJson(app.url, `/v1/events/${other.event.id}/registrations/${created.body.id}`, seed.liveKey)).status).toBe(403);
  });
});

describe('rate limits', () => {
  it('keyed responses carry RateLimit-* headers; past the per-key budget → 429 with Retry-After', async () => {
    const limited = await startTestApp({ API_RATE_LIMIT_PER_MIN: '3' }, { databaseUrl: app.databaseUrl });
    try {
      const key = await createTestApiKey(limited.deps, seed.owner.actor);
      const statuses: number[] = [];
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await getJson(limited.url, `/v1/events/${seed.event.id}/registrations`, key.secret);
        statuses.push(res.status);
        remaining.push(res.headers.get('ratelimit-remaining'));
        expect(res.headers.get('ratelimit-limit')).toBe('3');
        if (res.status === 429) {
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(res.body).toEqual({
            error: 'rate_limited',
            message: expect.stringMatching(/^Too many requests: the limit is 3 per minute\. Retry in \d+ s\.$/),
          });
        }
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(remaining).toEqual(['2', '1', '0', '0']);
      // Errors count and carry the headers too.
      const other = await postRegistration(limited.url, seed.event.id, {}, { key: key.secret });
      expect(other.status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('30 simultaneous requests against a budget of 12 (counted together in batches) → exactly 12 pass, each told a distinct remainder', async () => {
    const limited = await startTestApp({ API_RATE_LIMIT_PER_MIN: '12' }, { databaseUrl: app.databaseUrl });
    try {
      const key = await createTestApiKey(limited.deps, seed.owner.actor);
      const responses = await Promise.all(Array.from({ length: 30 }, () => getJson(limited.url, `/v1/events/${seed.event.id}/registrations`, key.secret)));
      const passed = responses.filter((r) => r.status === 200);
      expect(passed).toHaveLength(12);
      expect(responses.filter((r) => r.status === 429)).toHaveLength(18);
      expect(passed.map((r) => Number(r.headers.get('ratelimit-remaining'))).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    } finally {
      await limited.close();
    }
  });

  it('the public form allows 10 per minute per IP — across server processes sharing the database — then 429', async () => {
    const a = await startTestApp({}, { databaseUrl: app.databaseUrl });
    const b = await startTestApp({}, { databaseUrl: app.databaseUrl });
    await app.deps.prisma.$executeRaw`DELETE FROM rate_limits WHERE key LIKE 'form:%'`;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const server = i % 2 ? a : b;
        const res = await http(`${server.url}/v1/public/events/${seed.event.id}/registrations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(registrationBody()),
        });
        statuses.push(res.status);
        if (i === 10) {
          expect(res.body).toEqual({ error: 'rate_limited', message: expect.stringContaining('the limit is 10 per minute') });
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(res.headers.get('ratelimit-remaining')).toBe('0');
          expect(res.headers.get('access-control-allow-origin')).toBe('*');
        }
      }
      expect(statuses).toEqual([...Array(10).fill(201), 429]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
