import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicketType, updateTicketType } from '../../src/modules/ticket-types/ticket-types.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * Issue 30, shared capacity: a registration takes a seat from every quota of its type (and the type's and event's
 * own capacity); the tightest decides, exactly, under real concurrency; with the waitlist on, the rest wait in one
 * line per type and are seated when the quota frees.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

type Seed = Awaited<ReturnType<typeof createSeedShapedEvent>>;

/** Three types — early, regular, speaker — and the event's own general type (not in the quota). */
async function threeTypes(seed: Seed, extra: Record<string, unknown> = {}) {
  const make = (slug: string, more: Record<string, unknown> = {}) =>
    createTicketType(app.deps, { actor: seed.owner.actor, input: { eventId: seed.event.id, name: slug, slug, ...extra, ...more } });
  return { early: await make('early'), regular: await make('regular'), speaker: await make('speaker') };
}

async function createQuota(seed: Seed, input: Record<string, unknown>) {
  const data = await graphqlOk<any>(
    app.url,
    'mutation($input: CreateQuotaInput!) { createQuota(input: $input) { id name size ticketTypes { slug } registeredCount remaining } }',
    {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, ...input } },
    },
  );
  return data.createQuota;
}

async function quotas(seed: Seed) {
  const data = await graphqlOk<any>(
    app.url,
    'query($e: ID!) { event(id: $e) { quotas { name size registeredCount remaining } ticketTypes { slug remaining } stats { registered waitlisted capacityRemaining } } }',
    { token: seed.owner.token, variables: { e: seed.event.id } },
  );
  return data.event;
}

const register = (seed: Seed, slug: string) => postRegistration(app.url, seed.event.id, registrationBody({ ticket_type_slug: slug }), { key: seed.liveKey });
const soldOut = (slug: string) => ({ message: 'The given data was invalid.', errors: { ticket_type_slug: [`Ticket type "${slug}" is sold out.`] } });

describe('quotas', () => {
  it('60 at once across three types sharing 40 seats → exactly 40; the quota, the types and the event say so', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { early, regular, speaker } = await threeTypes(seed);
    const created = await createQuota(seed, { name: 'Hall', size: 40, ticketTypeIds: [early.id, regular.id, speaker.id] });
    expect(created).toEqual({
      id: expect.stringMatching(/^quo_/),
      name: 'Hall',
      size: 40,
      ticketTypes: [{ slug: 'early' }, { slug: 'regular' }, { slug: 'speaker' }],
      registeredCount: 0,
      remaining: 40,
    });
    const slugs = ['early', 'regular', 'speaker'];
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => register(seed, slugs[i % 3]!)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(40);
    for (const a of answers.filter((a) => a.status !== 201))
      expect(a.body.errors.ticket_type_slug[0]).toMatch(/^Ticket type "(early|regular|speaker)" is sold out\.$/);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, status: 'REGISTERED' } })).toBe(40);
    const view = await quotas(seed);
    expect(view.quotas).toEqual([{ name: 'Hall', size: 40, registeredCount: 40, remaining: 0 }]);
    expect(view.ticketTypes.filter((t: any) => slugs.includes(t.slug)).map((t: any) => t.remaining)).toEqual([0, 0, 0]);
    // The general type is outside the quota: still unlimited.
    expect(view.ticketTypes.find((t: any) => t.slug === 'general').remaining).toBeNull();

    // The public form no longer offers the three (their waitlists are off), only the types outside the quota.
    await app.deps.prisma.event.update({ where: { id: seed.event.id }, data: { status: 'PUBLISHED' } });
    await app.deps.caches.events.invalidate(seed.event.id);
    const publicView = await http<any>(`${app.url}/v1/public/events/${seed.event.id}`);
    expect(publicView.body.ticket_types.map((t: any) => t.slug)).toEqual(['general', 'vip']);
  });

  it('with the waitlist on: the rest wait in one line per type, and a freed quota seat goes to the first of any of them', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { early, regular, speaker } = await threeTypes(seed, { waitlist: 'AUTO' });
    await createQuota(seed, { name: 'Hall', size: 40, ticketTypeIds: [early.id, regular.id, speaker.id] });
    const slugs = ['early', 'regular', 'speaker'];
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => register(seed, slugs[i % 3]!)));
    expect(answers.filter((a) => a.body.status === 'registered')).toHaveLength(40);
    const waiting = answers.filter((a) => a.body.status === 'waitlisted');
    expect(waiting).toHaveLength(20);
    // One line per type, numbered from 1 in each.
    for (const slug of slugs) {
      const line = waiting.filter((a) => a.body.ticket_type_slug === slug).map((a) => a.body.waitlist_position);
      expect(line.sort((x, y) => x - y)).toEqual(Array.from({ length: line.length }, (_, i) => i + 1));
    }
    expect((await quotas(seed)).stats).toEqual({ registered: 40, waitlisted: 20, capacityRemaining: null });

    // Three seats free (one cancellation per type): the three earliest in line, whatever their type, are seated.
    const firstInLine = await app.deps.prisma.attendee.findMany({
      where: { eventId: seed.event.id, status: 'WAITLISTED' },
      orderBy: { waitlistRank: 'asc' },
      take: 3,
    });
    for (const slug of slugs) {
      const holder = answers.find((a) => a.body.status === 'registered' && a.body.ticket_type_slug === slug)!;
      await graphqlOk(app.url, 'mutation($id: ID!) { setAttendeeStatus(input: {attendeeId: $id, status: CANCELLED}) { id } }', {
        token: seed.owner.token,
        variables: { id: holder.body.id },
      });
    }
    const seated = await app.deps.prisma.attendee.findMany({ where: { id: { in: firstInLine.map((a) => a.id) } } });
    expect(seated.map((a) => a.status)).toEqual(['REGISTERED', 'REGISTERED', 'REGISTERED']);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, status: 'REGISTERED' } })).toBe(40);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, status: 'WAITLISTED' } })).toBe(17);

    // The quota grows by five: the next five in line are seated at once.
    const quota = await app.deps.prisma.quota.findFirstOrThrow({ where: { eventId: seed.event.id } });
    await graphqlOk(app.url, 'mutation($id: ID!) { updateQuota(input: {id: $id, size: 45}) { size } }', {
      token: seed.owner.token,
      variables: { id: quota.id },
    });
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, status: 'REGISTERED' } })).toBe(45);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, status: 'WAITLISTED' } })).toBe(12);
  });

  it('changing the quota’s size while registrations arrive never lets more in than the size in force', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { early, regular } = await threeTypes(seed);
    const quota = await createQuota(seed, { name: 'Hall', size: 10, ticketTypeIds: [early.id, regular.id] });
    const resize = (size: number) =>
      graphqlOk(app.url, 'mutation($id: ID!, $size: Int!) { updateQuota(input: {id: $id, size: $size}) { size } }', {
        token: seed.owner.token,
        variables: { id: quota.id, size },
      });
    const load = Promise.all(Array.from({ length: 40 }, (_, i) => register(seed, i % 2 ? 'early' : 'regular')));
    await resize(20);
    const answers = await load;
    const held = await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, status: 'REGISTERED' } });
    expect(answers.filter((a) => a.status === 201)).toHaveLength(held);
    expect(held).toBeGreaterThanOrEqual(10);
    expect(held).toBeLessThanOrEqual(20);
    // Whatever the interleaving, it fills to exactly the new size and no further.
    const more = await Promise.all(Array.from({ length: 30 }, (_, i) => register(seed, i % 2 ? 'early' : 'regular')));
    expect(more.filter((a) => a.status === 201)).toHaveLength(20 - held);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, status: 'REGISTERED' } })).toBe(20);
    // Shrunk below what is held: nobody loses a seat, nobody new gets one.
    await resize(15);
    expect((await register(seed, 'early')).body).toEqual(soldOut('early'));
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, status: 'REGISTERED' } })).toBe(20);
    expect((await quotas(seed)).quotas).toEqual([{ name: 'Hall', size: 15, registeredCount: 20, remaining: 0 }]);
  });

  it('a type in two quotas takes a seat from each; the tightest decides; a type’s own capacity still applies', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { early, regular, speaker } = await threeTypes(seed);
    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: speaker.id, capacity: 1 } });
    await createQuota(seed, { name: 'Hall', size: 5, ticketTypeIds: [early.id, regular.id, speaker.id] });
    await createQuota(seed, { name: 'Early birds', size: 3, ticketTypeIds: [early.id] });
    const earlies = [];
    for (let i = 0; i < 4; i++) earlies.push(await register(seed, 'early'));
    expect(earlies.map((a) => a.status)).toEqual([201, 201, 201, 422]);
    expect(earlies[3]!.body).toEqual(soldOut('early'));
    expect((await register(seed, 'speaker')).status).toBe(201);
    expect((await register(seed, 'speaker')).body).toEqual(soldOut('speaker'));
    expect((await register(seed, 'regular')).status).toBe(201);
    expect((await register(seed, 'regular')).body).toEqual(soldOut('regular'));
    const view = await quotas(seed);
    expect(view.quotas).toEqual([
      { name: 'Hall', size: 5, registeredCount: 5, remaining: 0 },
      { name: 'Early birds', size: 3, registeredCount: 3, remaining: 0 },
    ]);

    // Deleting the hall quota frees the regular type (still limited to nothing else).
    const hall = await app.deps.prisma.quota.findFirstOrThrow({ where: { eventId: seed.event.id, name: 'Hall' } });
    await graphqlOk(app.url, 'mutation($id: ID!) { deleteQuota(input: {id: $id}) }', { token: seed.owner.token, variables: { id: hall.id } });
    expect((await register(seed, 'regular')).status).toBe(201);
    expect((await register(seed, 'early')).body).toEqual(soldOut('early'));
  });

  it('bad input changes nothing: another event’s ticket types, another organisation’s quota, a negative size, no types', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const other = await createSeedShapedEvent(app.deps);
    const foreignType = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: other.event.id } });
    const attempt = (token: string, input: Record<string, unknown>) =>
      graphql(app.url, 'mutation($input: CreateQuotaInput!) { createQuota(input: $input) { id } }', { token, variables: { input } });
    const wrongType = await attempt(seed.owner.token, { eventId: seed.event.id, name: 'X', size: 5, ticketTypeIds: [foreignType.id] });
    expect(wrongType.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      errors: { ticketTypeIds: [`Ticket type "${foreignType.id}" is not one of this event’s ticket types.`] },
    });
    expect((await attempt(seed.owner.token, { eventId: seed.event.id, name: 'X', size: -1, ticketTypeIds: [] })).errors?.[0]?.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      (await attempt(other.owner.token, { eventId: seed.event.id, name: 'X', size: 5, ticketTypeIds: [foreignType.id] })).errors?.[0]?.extensions.code,
    ).toBe('NOT_FOUND');
    const mine = await createQuota(other, { name: 'Mine', size: 5, ticketTypeIds: [foreignType.id] });
    const steal = await graphql(app.url, 'mutation($id: ID!) { deleteQuota(input: {id: $id}) }', { token: seed.owner.token, variables: { id: mine.id } });
    expect(steal.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect(await app.deps.prisma.quota.count({ where: { eventId: { in: [seed.event.id, other.event.id] } } })).toBe(1);
    expect((await app.deps.prisma.event.findUniqueOrThrow({ where: { id: seed.event.id } })).sharedLimits).toBe(false);
    expect((await app.deps.prisma.event.findUniqueOrThrow({ where: { id: other.event.id } })).sharedLimits).toBe(true);
  });
});
