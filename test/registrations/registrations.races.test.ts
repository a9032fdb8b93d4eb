import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteEvent } from '../../src/modules/events/events.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const tally = (statuses: number[]) => {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
};

/** A registration through REST that must succeed; it also puts the event into every cache of this process. */
async function registerOne(seed: Awaited<ReturnType<typeof createSeedShapedEvent>>, body: Record<string, unknown> = {}) {
  const res = await postRegistration(app.url, seed.event.id, registrationBody(body), { key: seed.liveKey });
  expect(res.status).toBe(201);
  return res.body;
}

/** Waits until some backend waits on a lock (our request has reached its locking statement). */
async function untilSomeoneWaitsOnALock() {
  for (;;) {
    const { rows } = await app.deps.pool.query<{ waiting: number }>(
      "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if (rows[0]!.waiting > 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('registration decides on the locked rows, not the cached event', () => {
  // A change that bypasses the application (another version's process, an operator's SQL) never reaches the
  // cache: only reading the locked row gets it right.
  it('an event cancelled a moment ago takes no registration', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await registerOne(seed);
    await app.deps.pool.query("UPDATE events SET status = 'CANCELLED' WHERE id = $1", [seed.event.id]);
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      message: 'The given data was invalid.',
      errors: { event: ['This event has been cancelled and no longer accepts registrations.'] },
    });
  });

  it('a capacity set a moment ago on an unlimited ticket type is exact under 20 parallel registrations', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await registerOne(seed, { ticket_type_slug: 'vip' });
    await app.deps.pool.query("UPDATE ticket_types SET capacity = 4 WHERE event_id = $1 AND slug = 'vip'", [seed.event.id]);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postRegistration(app.url, seed.event.id, registrationBody({ ticket_type_slug: 'vip' }), { key: seed.liveKey })),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 3, 422: 17 });
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, ticketType: { slug: 'vip' } } })).toBe(4);
  });

  it('a capacity lowered a moment ago is exact too', async () => {
    const seed = await createSeedShapedEvent(app.deps, { capacity: 100 });
    await registerOne(seed);
    await app.deps.pool.query('UPDATE events SET capacity = 3 WHERE id = $1', [seed.event.id]);
    const responses = await Promise.all(Array.from({ length: 10 }, () => postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })));
    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 2, 422: 8 });
    expect(responses.find((r) => r.status === 422)!.body).toEqual({ message: 'The given data was invalid.', errors: { event: ['This event is full.'] } });
  });
});

describe('deleting an event while registrations are in flight', () => {
  it('waits for a registration that has not committed yet, sees it, and refuses (nothing cascades away)', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    // An uncommitted registration (what the registration transaction holds while it writes).
    const writer = new pg.Client({ connectionString: app.databaseUrl });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      const [general] = (await writer.query("SELECT id FROM ticket_types WHERE event_id = $1 AND slug = 'general'", [seed.event.id])).rows;
      await writer.query('SELECT id FROM events WHERE id = $1 FOR SHARE', [seed.event.id]);
      await writer.query(
        `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized, qr_token, source, updated_at)
         VALUES ('att_inflight', $1, $2, $3, 'In', 'Flight', 'in@flight.example', 'in@flight.example', gen_random_uuid(), 'API', now())`,
        [seed.owner.organisationId, seed.event.id, general.id],
      );
      const deleting = deleteEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id } }).then(
        () => 'deleted',
        (error: Error) => error.message,
      );
      await untilSomeoneWaitsOnALock();
      await writer.query('COMMIT');
      expect(await deleting).toBe('The event has attendees; cancel it instead of deleting it.');
    } finally {
      await writer.end();
    }
    expect(await app.deps.prisma.attendee.count({ where: { id: 'att_inflight' } })).toBe(1);
  });

  it('a registration that arrives while the deletion holds the event gets the documented 404, never a 500', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await registerOne(seed);
    // The deletion's transaction, held open after locking the event and deleting it.
    const deleter = new pg.Client({ connectionString: app.databaseUrl });
    await deleter.connect();
    try {
      await deleter.query('BEGIN');
      await deleter.query('SELECT id FROM events WHERE id = $1 FOR UPDATE', [seed.event.id]);
      await deleter.query('DELETE FROM events WHERE id = $1', [seed.event.id]);
      const registering = Promise.all(Array.from({ length: 5 }, () => postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })));
      await untilSomeoneWaitsOnALock();
      await deleter.query('COMMIT');
      const responses = await registering;
      expect(responses.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
      expect(responses[0]!.body).toEqual({ error: 'not_found', message: 'Event not found.' });
    } finally {
      await deleter.end();
    }
  });
});

describe('Idempotency-Key replays what the first request decided (Stripe’s rule)', () => {
  it('a refusal decided in the transaction (sold out) is stored: the retry replays the 422 even after seats free up', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await app.deps.pool.query("UPDATE ticket_types SET capacity = 1 WHERE event_id = $1 AND slug = 'vip'", [seed.event.id]);
    const taken = await registerOne(seed, { ticket_type_slug: 'vip' });
    const body = registrationBody({ ticket_type_slug: 'vip' });
    const headers = { 'idempotency-key': 'sold-out-once' };
    const first = await postRegistration(app.url, seed.event.id, body, { key: seed.liveKey, headers });
    expect(first.status).toBe(422);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    await app.deps.prisma.attendee.update({ where: { id: taken.id }, data: { status: 'CANCELLED' } });
    const retry = await postRegistration(app.url, seed.event.id, body, { key: seed.liveKey, headers });
    expect(retry.status).toBe(422);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, email: body.email as string } })).toBe(0);
  });

  it('a request refused before it began (invalid body) stores nothing: the corrected retry with the same key runs', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const headers = { 'idempotency-key': 'fix-and-retry' };
    const invalid = await postRegistration(app.url, seed.event.id, registrationBody({ first_name: '' }), { key: seed.liveKey, headers });
    expect(invalid.status).toBe(422);
    const fixed = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey, headers });
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
  });
});
