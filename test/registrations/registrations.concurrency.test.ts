import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAttendee } from '../../src/modules/registrations/registrations.service.ts';
import { deliveriesFor, startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  // Enough connections that the requests really do race inside PostgreSQL.
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

/** A seed-shaped event whose organisation has an endpoint, so registrations fan out. */
async function seedWithEndpoint(overrides: Record<string, unknown> = {}) {
  const seed = await createSeedShapedEvent(app.deps, overrides);
  await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/concurrency`);
  return seed;
}

const tally = (statuses: number[]) => {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
};

describe('concurrency is enforced by the database', () => {
  it('50 parallel registrations with one email (in any case) → one 201 and 49 documented 422s', async () => {
    const seed = await seedWithEndpoint();
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
    expect(await deliveriesFor(app, responses.find((r) => r.status === 201)!.body.id)).toHaveLength(1);
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

  it('registrations arriving together are written in one transaction, and each still gets its own answer', async () => {
    const seed = await seedWithEndpoint();
    await app.deps.prisma.ticketType.updateMany({ where: { eventId: seed.event.id, slug: 'vip' }, data: { capacity: 3 } });
    const taken = `taken.${Date.now()}@example.com`;
    const first = await registerAttendee(app.deps, { actor: seed.liveActor, eventId: seed.event.id, input: registrationBody({ email: taken }), source: 'API' });
    // Submitted in one tick, so they share a batch: 8 for the 3 VIP seats, 6 general, 4 × an email already
    // registered, 2 × one new email (in two spellings), and a test-mode registration of the taken email.
    const inputs = [
      ...Array.from({ length: 8 }, (_, i) => ({
        input: registrationBody({ email: `vip${i}.${Date.now()}@example.com`, ticket_type_slug: 'vip' }),
        expect: i < 3 ? 'ok' : 'sold out',
      })),
      ...Array.from({ length: 6 }, (_, i) => ({ input: registrationBody({ email: `general${i}.${Date.now()}@example.com` }), expect: 'ok' })),
      ...Array.from({ length: 4 }, () => ({ input: registrationBody({ email: taken.toUpperCase() }), expect: 'duplicate' })),
      { input: registrationBody({ email: `twice.${Date.now()}@example.com` }), expect: 'ok' },
      { input: registrationBody({ email: `TWICE.${Date.now()}@example.com` }), expect: 'duplicate' },
    ];
    const settled = await Promise.allSettled([
      ...inputs.map(({ input }) => registerAttendee(app.deps, { actor: seed.liveActor, eventId: seed.event.id, input, source: 'API' })),
      registerAttendee(app.deps, {
        actor: { ...seed.liveActor, environment: 'TEST' },
        eventId: seed.event.id,
        input: registrationBody({ email: taken }),
        source: 'API',
      }),
    ]);
    const outcome = (result: PromiseSettledResult<unknown>) => {
      if (result.status === 'fulfilled') return 'ok';
      const errors = (result.reason as { fieldErrors?: Record<string, string[]> }).fieldErrors ?? {};
      if (errors.email?.[0] === 'This email has already been registered for this event.') return 'duplicate';
      if (errors.ticket_type_slug?.[0] === 'Ticket type "vip" is sold out.') return 'sold out';
      return String(result.reason);
    };
    expect(settled.map(outcome)).toEqual([...inputs.map((i) => i.expect), 'ok']);

    // In the database: exactly the accepted ones (the refused VIP rows were removed before commit).
    const created = settled.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ attendee: { id: string } }>).value.attendee.id);
    const rows = await app.deps.prisma.attendee.findMany({ where: { eventId: seed.event.id }, include: { ticketType: true } });
    expect(rows.map((r) => r.id).sort()).toEqual([first.attendee.id, ...created].sort());
    expect(rows.filter((r) => r.ticketType.slug === 'vip')).toHaveLength(3);
    // Every live registration of the batch got its delivery in the batch's transaction; the test-mode one none.
    const liveCreated = created.slice(0, -1);
    for (const id of liveCreated) expect(await deliveriesFor(app, id)).toHaveLength(1);
    expect(await deliveriesFor(app, created.at(-1)!)).toEqual([]);
  });

  it('a registration that fails for its own reason inside a batch does not fail the others', async () => {
    const good = await createSeedShapedEvent(app.deps);
    const doomed = await createSeedShapedEvent(app.deps);
    // Warm the event cache, then delete the event behind its back: its registration passes validation and
    // fails in the database (foreign key), inside the same batch as good ones.
    await registerAttendee(app.deps, { actor: doomed.liveActor, eventId: doomed.event.id, input: registrationBody(), source: 'API' });
    await app.deps.pool.query('DELETE FROM events WHERE id = $1', [doomed.event.id]);
    const settled = await Promise.allSettled([
      registerAttendee(app.deps, { actor: good.liveActor, eventId: good.event.id, input: registrationBody(), source: 'API' }),
      registerAttendee(app.deps, { actor: doomed.liveActor, eventId: doomed.event.id, input: registrationBody(), source: 'API' }),
      registerAttendee(app.deps, { actor: good.liveActor, eventId: good.event.id, input: registrationBody(), source: 'API' }),
    ]);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: good.event.id } })).toBe(2);
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
  it('a failure after the delivery was written rolls back the attendee and its delivery', async () => {
    const seed = await seedWithEndpoint();
    const actor = seed.liveActor;
    const count = async () => app.deps.prisma.webhookDelivery.count({ where: { endpoint: { organisationId: seed.owner.organisationId } } });
    const before = await count();
    let writtenInside = 0;
    await expect(
      registerAttendee(app.deps, {
        actor,
        eventId: seed.event.id,
        input: registrationBody(),
        source: 'API',
        onTransactionEnd: async (sql) => {
          const [row] = await sql.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.organisation_id = $1',
            [seed.owner.organisationId],
          );
          writtenInside = row?.n ?? 0;
          throw new Error('boom after the delivery');
        },
      }),
    ).rejects.toThrow('boom after the delivery');
    expect(writtenInside).toBe(before + 1);
    expect(await count()).toBe(before);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(0);
  });
});
