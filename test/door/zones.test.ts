import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { addMember, createSeedShapedEvent, createUser } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { subscribeWs } from '../support/subscriptions.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

type Seed = Awaited<ReturnType<typeof createSeedShapedEvent>>;

async function scan(eventId: string, key: string, body: Record<string, unknown>) {
  return await http<any>(`${app.url}/v1/events/${eventId}/check-ins`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

async function register(seed: Seed, label = 'door') {
  const res = await postRegistration(app.url, seed.event.id, registrationBody({ email: `${label}.${Math.random().toString(36).slice(2)}@example.com` }), {
    key: seed.liveKey,
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; qr_token: string };
}

async function createZone(seed: Seed, name: string, capacity: number | null = null): Promise<string> {
  const data = await graphqlOk(app.url, 'mutation($input: CreateZoneInput!) { createZone(input: $input) { id name capacity insideNow } }', {
    token: seed.owner.token,
    variables: { input: { eventId: seed.event.id, name, capacity } },
  });
  expect(data.createZone).toMatchObject({ name, capacity, insideNow: 0 });
  expect(data.createZone.id).toMatch(/^zon_[0-9a-z]{26}$/);
  return data.createZone.id;
}

async function zones(seed: Seed) {
  const data = await graphqlOk(app.url, 'query($id: ID!) { event(id: $id) { zones { id name capacity insideNow } } }', {
    token: seed.owner.token,
    variables: { id: seed.event.id },
  });
  return Object.fromEntries((data.event.zones as Array<{ name: string; insideNow: number }>).map((z) => [z.name, z.insideNow]));
}

async function scanCount(eventId: string): Promise<number> {
  const [row] = await app.deps.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM scans WHERE event_id = $1', [eventId]).then((r) => r.rows);
  return row!.n;
}

describe('zones', () => {
  it('are created, renamed and deleted by owners and admins; staff and other organisations are refused', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const hall = await createZone(seed, 'Main hall', 500);
    const renamed = await graphqlOk(app.url, 'mutation($input: UpdateZoneInput!) { updateZone(input: $input) { id name capacity } }', {
      token: seed.owner.token,
      variables: { input: { id: hall, name: 'Hall A', capacity: 400 } },
    });
    expect(renamed.updateZone).toEqual({ id: hall, name: 'Hall A', capacity: 400 });

    const taken = await graphql(app.url, 'mutation($input: CreateZoneInput!) { createZone(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, name: 'Hall A' } },
    });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: { name: ['The name has already been taken.'] } });

    const staff = await addMember(app.deps, seed.owner.organisationId, 'STAFF');
    const byStaff = await graphql(app.url, 'mutation($input: CreateZoneInput!) { createZone(input: $input) { id } }', {
      token: staff.token,
      variables: { input: { eventId: seed.event.id, name: 'Staff zone' } },
    });
    expect(byStaff.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const stranger = await createUser(app.deps);
    const foreign = await graphql(app.url, 'mutation($input: DeleteZoneInput!) { deleteZone(input: $input) }', {
      token: stranger.token,
      variables: { input: { id: hall } },
    });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const deleted = await graphqlOk(app.url, 'mutation($input: DeleteZoneInput!) { deleteZone(input: $input) }', {
      token: seed.owner.token,
      variables: { input: { id: hall } },
    });
    expect(deleted.deleteZone).toBe(hall);
    expect(await zones(seed)).toEqual({});
  });

  it('moves an attendee between zones: first entry checks in, entering another leaves the first, out leaves, re-entry is allowed', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const hall = await createZone(seed, 'Hall', 2);
    const workshop = await createZone(seed, 'Workshop');
    const attendee = await register(seed);

    const enter = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token, zone_id: hall });
    expect(enter.status).toBe(200);
    expect(Object.keys(enter.body)).toEqual(['attendee', 'already_checked_in', 'zone', 'movement']);
    expect(enter.body).toMatchObject({ already_checked_in: false, zone: { id: hall, name: 'Hall', inside_now: 1 }, movement: 'entered' });
    expect(enter.body.attendee.status).toBe('checked_in');

    const again = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token, zone_id: hall });
    expect(again.body).toMatchObject({ already_checked_in: true, zone: { id: hall, inside_now: 1 }, movement: 'already_inside' });
    expect(again.body.attendee.checked_in_at).toBe(enter.body.attendee.checked_in_at);

    const move = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token, zone_id: workshop });
    expect(move.body).toMatchObject({ already_checked_in: true, zone: { id: workshop, inside_now: 1 }, movement: 'entered' });
    expect(await zones(seed)).toEqual({ Hall: 0, Workshop: 1 });

    const out = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token, zone_id: workshop, direction: 'out' });
    expect(out.body).toMatchObject({ zone: { id: workshop, inside_now: 0 }, movement: 'exited' });
    const outAgain = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token, direction: 'out' });
    expect(outAgain.status).toBe(200);
    expect(outAgain.body).toMatchObject({ zone: null, movement: 'not_inside' });

    const reentry = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token, zone_id: workshop });
    expect(reentry.body).toMatchObject({ already_checked_in: true, movement: 'entered', zone: { inside_now: 1 } });

    // The seed's answer, unchanged, when the request names neither.
    const plain = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token });
    expect(Object.keys(plain.body)).toEqual(['attendee', 'already_checked_in']);

    // Every scan is in the log, newest first, with its outcome and movement.
    const log = await graphqlOk(
      app.url,
      'query($id: ID!) { scans(eventId: $id) { totalCount edges { node { outcome reason movement direction zone { name } source } } } }',
      {
        token: seed.owner.token,
        variables: { id: seed.event.id },
      },
    );
    expect(log.scans.totalCount).toBe(7);
    expect(log.scans.edges.map((e: any) => [e.node.outcome, e.node.reason, e.node.movement, e.node.direction, e.node.zone?.name ?? null])).toEqual([
      ['DUPLICATE', 'already_checked_in', null, 'IN', null],
      ['ACCEPTED', null, 'ENTERED', 'IN', 'Workshop'],
      ['REJECTED', 'not_inside', 'NOT_INSIDE', 'OUT', null],
      ['ACCEPTED', null, 'EXITED', 'OUT', 'Workshop'],
      ['ACCEPTED', null, 'ENTERED', 'IN', 'Workshop'],
      ['DUPLICATE', 'already_inside', 'ALREADY_INSIDE', 'IN', 'Hall'],
      ['ACCEPTED', null, 'ENTERED', 'IN', 'Hall'],
    ]);
    expect(new Set(log.scans.edges.map((e: any) => e.node.source))).toEqual(new Set(['api']));
  });

  it('keeps insideNow exact under 50 concurrent scans, and one attendee scanned at once by many doors enters once', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const a = await createZone(seed, 'A');
    const b = await createZone(seed, 'B');
    const people = await Promise.all(Array.from({ length: 50 }, (_, i) => register(seed, `p${i}`)));

    const entries = await Promise.all(people.map((p) => scan(seed.event.id, seed.liveKey, { qr_token: p.qr_token, zone_id: a })));
    expect(entries.map((r) => r.status)).toEqual(people.map(() => 200));
    expect(await zones(seed)).toEqual({ A: 50, B: 0 });

    // Half move to B, half leave, all at once.
    const moves = await Promise.all(
      people.map((p, i) => scan(seed.event.id, seed.liveKey, i % 2 ? { qr_token: p.qr_token, zone_id: b } : { qr_token: p.qr_token, direction: 'out' })),
    );
    expect(moves.map((r) => r.body.movement).sort()).toEqual([...Array(25).fill('entered'), ...Array(25).fill('exited')]);
    expect(await zones(seed)).toEqual({ A: 0, B: 25 });

    const one = people[0]!;
    const storm = await Promise.all(Array.from({ length: 20 }, () => scan(seed.event.id, seed.liveKey, { qr_token: one.qr_token, zone_id: b })));
    expect(storm.filter((r) => r.body.movement === 'entered')).toHaveLength(1);
    expect(storm.filter((r) => r.body.movement === 'already_inside')).toHaveLength(19);
    expect(await zones(seed)).toEqual({ A: 0, B: 26 });
  });

  it('refuses a zone of another event (422 naming zone_id) and writes nothing', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const other = await createSeedShapedEvent(app.deps);
    const foreignZone = await createZone(other, 'Elsewhere');
    const attendee = await register(seed);
    const before = await scanCount(seed.event.id);
    const res = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token, zone_id: foreignZone });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ message: 'The given data was invalid.', errors: { zone_id: ['The selected zone id is invalid.'] } });
    expect(await scanCount(seed.event.id)).toBe(before);
    const row = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } });
    expect(row.status).toBe('REGISTERED');

    const bad = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token, direction: 'sideways' });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.errors)).toEqual(['direction']);
  });

  it('logs refused scans too: a cancelled ticket and an unknown one', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const attendee = await register(seed);
    await app.deps.prisma.attendee.update({ where: { id: attendee.id }, data: { status: 'CANCELLED' } });
    expect((await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token })).status).toBe(422);
    expect((await scan(seed.event.id, seed.liveKey, { qr_token: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    const log = await graphqlOk(app.url, 'query($id: ID!) { scans(eventId: $id, outcome: REJECTED) { edges { node { reason attendee { id } } } } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    expect(log.scans.edges.map((e: any) => [e.node.reason, e.node.attendee?.id ?? null])).toEqual([
      ['unknown_ticket', null],
      ['cancelled', attendee.id],
    ]);
  });

  it('pushes zoneOccupancy to a subscriber on another process', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const hall = await createZone(seed, 'Hall', 10);
    const second = await startTestApp({}, { databaseUrl: app.databaseUrl });
    try {
      const sub = await subscribeWs(second.url, 'subscription($id: ID!) { zoneOccupancy(eventId: $id) { zoneId name insideNow capacity } }', {
        token: seed.owner.token,
        variables: { id: seed.event.id },
      });
      expect((await sub.nth(1)).zoneOccupancy).toEqual([{ zoneId: hall, name: 'Hall', insideNow: 0, capacity: 10 }]);
      const attendee = await register(seed);
      expect((await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token, zone_id: hall })).status).toBe(200);
      expect((await sub.nth(2, 5_000)).zoneOccupancy).toEqual([{ zoneId: hall, name: 'Hall', insideNow: 1, capacity: 10 }]);
      await sub.close();
    } finally {
      await second.close();
    }
  });
});
