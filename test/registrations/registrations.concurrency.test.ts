import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAttendee } from '../../src/modules/registrations/registrations.service.ts';
import { type TestApp, startTestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

let app: TestApp;
beforeAll(async () => {
  // Enough connections that the requests really do race inside PostgreSQL.
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

describe('concurrency is enforced by the database', () => {
  it('50 parallel registrations with one email (in any case) → one 201 and 49 documented 422s', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postRegistration(app.url, seed.event.id, registrationBody({ email: i % 2 ? 'Race@Example.com' : 'race@example.com' }), { key: seed.liveKey }),
      ),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 1, 422: 49 });
    for (const res of responses.filter((r) => r.status === 422)) {
      expect(res.text).toBe('{"message":"The given data was invalid.","errors":{"email":["This email has already been registered for this event."]}}');
    }
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(1);
    expect(await app.deps.boss.findJobs('webhooks.fan-out', { data: { attendeeId: responses.find((r) => r.status === 201)!.body.id } })).toHaveLength(1);
  });

  it('20 parallel registrations for a 5-seat ticket type → exactly 5 × 201', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await app.deps.prisma.ticketType.updateMany({ where: { eventId: seed.event.id, slug: 'vip' }, data: { capacity: 5 } });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postRegistration(app.url, seed.event.id, registrationBody({ ticket_type_slug: 'vip' }), { key: seed.liveKey })),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 5, 422: 15 });
    for (const res of responses.filter((r) => r.status === 422)) {
      expect(res.body).toEqual({ message: 'The given data was invalid.', errors: { ticket_type_slug: ['Ticket type "vip" is sold out.'] } });
    }
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, testMode: false } })).toBe(5);
  });

  it('20 parallel registrations for a 7-seat event spread over ticket types → exactly 7 × 201', async () => {
    const seed = await createSeedShapedEvent(app.deps, { capacity: 7 });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postRegistration(app.url, seed.event.id, registrationBody({ ticket_type_slug: i % 2 ? 'vip' : 'general' }), { key: seed.liveKey }),
      ),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 7, 422: 13 });
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(7);
  });
});

describe('Idempotency-Key', () => {
  it('the same key and body replays the first response: same status, body and Location, one attendee', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const body = registrationBody({ custom_data: { company: 'Acme Corp' } });
    const headers = { 'idempotency-key': 'order-1234' };
    const first = await postRegistration(app.url, seed.event.id, body, { key: seed.liveKey, headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same content, other key order and whitespace.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()), null, 2);
    const second = await postRegistration(app.url, seed.event.id, reordered, { key: seed.liveKey, headers, raw: true });
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(1);
  });

  it('the same key with another body → 422, nothing written', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const headers = { 'idempotency-key': 'order-5678' };
    expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey, headers })).status).toBe(201);
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey, headers });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      message: 'The given data was invalid.',
      errors: { idempotency_key: ['This Idempotency-Key was already used with a different request; use a new key.'] },
    });
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(1);
  });

  it('keys are per API key, and a failed request does not consume its key', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const headers = { 'idempotency-key': 'shared-key' };
    const invalid = await postRegistration(app.url, seed.event.id, { first_name: 'No email' }, { key: seed.liveKey, headers });
    expect(invalid.status).toBe(422);
    const fixed = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey, headers });
    expect(fixed.status).toBe(201);
    const otherKey = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.testKey, headers });
    expect(otherKey.status).toBe(201);
    expect(otherKey.body.id).not.toBe(fixed.body.id);
  });

  it('10 concurrent requests with one key create one attendee and all answer with it', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const body = registrationBody();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => postRegistration(app.url, seed.event.id, body, { key: seed.liveKey, headers: { 'idempotency-key': 'burst' } })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(1);
  });

  it('an invalid key header → 422', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey, headers: { 'idempotency-key': 'x'.repeat(256) } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ idempotency_key: ['The Idempotency-Key header must be 1 to 255 printable ASCII characters.'] });
  });
});

describe('the registration transaction', () => {
  it('a failure after the job was enqueued rolls back the attendee and the job', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const actor = seed.liveActor;
    const jobsBefore = (await app.deps.boss.findJobs('webhooks.fan-out')).length;
    let enqueuedInside = 0;
    await expect(
      registerAttendee(app.deps, {
        actor,
        eventId: seed.event.id,
        input: registrationBody(),
        source: 'API',
        onTransactionEnd: async (sql) => {
          const [row] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'webhooks.fan-out'`);
          enqueuedInside = row?.n ?? 0;
          throw new Error('boom after enqueue');
        },
      }),
    ).rejects.toThrow('boom after enqueue');
    expect(enqueuedInside).toBe(jobsBefore + 1);
    expect((await app.deps.boss.findJobs('webhooks.fan-out')).length).toBe(jobsBefore);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(0);
  });
});
