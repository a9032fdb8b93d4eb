import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undoCheckIn } from '../../src/modules/check-ins/check-ins.service.ts';
import { updateEvent } from '../../src/modules/events/events.service.ts';
import { importAttendees } from '../../src/modules/imports/imports.service.ts';
import { inviteMember } from '../../src/modules/members/invitations.service.ts';
import { setAttendeeStatus, updateAttendee } from '../../src/modules/registrations/attendee-changes.ts';
import { createTicketType, updateTicketType } from '../../src/modules/ticket-types/ticket-types.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { addMember, createSeedShapedEvent, createTestApiKey, createTestEvent, createUser, uniqueEmail } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';
import { AttendeeTableDocument, type AttendeeTableQueryVariables } from './gql/graphql.ts';
import { runScreen } from './support.ts';

let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

type Seed = Awaited<ReturnType<typeof createSeedShapedEvent>>;

async function register(seed: Seed, overrides: Record<string, unknown> = {}, key = seed.liveKey): Promise<{ id: string; qr_token: string }> {
  const res = await postRegistration(app.url, seed.event.id, registrationBody(overrides), { key });
  expect(res.status).toBe(201);
  return res.body;
}

async function scan(seed: Seed, qrToken: string) {
  const res = await http(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
    body: JSON.stringify({ qr_token: qrToken }),
  });
  expect(res.status).toBe(200);
}

const STATUSES = ['REGISTERED', 'CHECKED_IN', 'CANCELLED', 'NO_SHOW'] as const;

describe('Event.stats, ticket-type counts and totalCount', () => {
  it('equal a real count after registrations, check-ins, undo, cancellation, no-show, a move, deletion, an import and test-mode traffic', async () => {
    const seed = await createSeedShapedEvent(app.deps, { capacity: 20 });
    const vip = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'vip' } });
    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: vip.id, capacity: 3 } });
    const real = async () => {
      const { rows } = await app.deps.pool.query<{ slug: string; status: string; n: number }>(
        `SELECT t.slug, a.status, count(*)::int AS n FROM attendees a JOIN ticket_types t ON t.id = a.ticket_type_id
         WHERE a.event_id = $1 AND NOT a.test_mode GROUP BY 1, 2`,
        [seed.event.id],
      );
      const count = (where: (row: { slug: string; status: string }) => boolean) => rows.filter(where).reduce((sum, row) => sum + row.n, 0);
      return { rows, count };
    };
    const query = `query ($id: ID!) { event(id: $id) {
      stats { registered checkedIn cancelled noShow capacityRemaining }
      ticketTypes { slug registeredCount remaining } } }`;
    const totalCount = async (filters: Record<string, unknown>) =>
      (
        await graphqlOk(
          app.url,
          'query ($id: ID!, $status: AttendeeStatus, $slug: String, $checkedIn: Boolean) { attendees(eventId: $id, first: 1, status: $status, ticketTypeSlug: $slug, checkedIn: $checkedIn) { totalCount } }',
          {
            token: seed.owner.token,
            variables: { id: seed.event.id, ...filters },
          },
        )
      ).attendees.totalCount;

    const expectExact = async () => {
      const { count } = await real();
      const registered = count((r) => r.status !== 'CANCELLED');
      const vipRegistered = count((r) => r.slug === 'vip' && r.status !== 'CANCELLED');
      const { event } = await graphqlOk(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id } });
      expect(event.stats).toEqual({
        registered,
        checkedIn: count((r) => r.status === 'CHECKED_IN'),
        cancelled: count((r) => r.status === 'CANCELLED'),
        noShow: count((r) => r.status === 'NO_SHOW'),
        // General is unlimited, so only the event's 20 seats bound the total.
        capacityRemaining: 20 - registered,
      });
      expect(event.ticketTypes).toEqual([
        { slug: 'general', registeredCount: count((r) => r.slug === 'general' && r.status !== 'CANCELLED'), remaining: 20 - registered },
        { slug: 'vip', registeredCount: vipRegistered, remaining: Math.min(3 - vipRegistered, 20 - registered) },
      ]);
      for (const status of STATUSES) {
        expect(await totalCount({ status })).toBe(count((r) => r.status === status));
        for (const slug of ['general', 'vip']) expect(await totalCount({ status, slug })).toBe(count((r) => r.status === status && r.slug === slug));
      }
      expect(await totalCount({})).toBe(count(() => true));
      expect(await totalCount({ checkedIn: true })).toBe(count((r) => r.status === 'CHECKED_IN'));
      expect(await totalCount({ checkedIn: false, slug: 'general' })).toBe(count((r) => r.status !== 'CHECKED_IN' && r.slug === 'general'));
      expect(await totalCount({ status: 'NO_SHOW', checkedIn: true })).toBe(0);
    };

    await expectExact();
    const people = [];
    for (let i = 0; i < 8; i++) people.push(await register(seed, { ticket_type_slug: i < 2 ? 'vip' : 'general' }));
    await register(seed, {}, seed.testKey);
    await register(seed, { ticket_type_slug: 'vip' }, seed.testKey);
    await expectExact();
    for (const p of people.slice(0, 3)) await scan(seed, p.qr_token);
    await expectExact();
    await undoCheckIn(app.deps, { actor: seed.owner.actor, input: { attendeeId: people[0]!.id } });
    await setAttendeeStatus(app.deps, { actor: seed.owner.actor, input: { attendeeId: people[3]!.id, status: 'CANCELLED' } });
    await setAttendeeStatus(app.deps, { actor: seed.owner.actor, input: { attendeeId: people[4]!.id, status: 'NO_SHOW' } });
    await expectExact();
    await updateAttendee(app.deps, { actor: seed.owner.actor, input: { attendeeId: people[5]!.id, ticket_type_slug: 'vip' } });
    await setAttendeeStatus(app.deps, { actor: seed.owner.actor, input: { attendeeId: people[3]!.id, status: 'REGISTERED' } });
    await expectExact();
    await app.deps.prisma.attendee.delete({ where: { id: people[6]!.id } });
    const job = await importAttendees(app.deps, {
      actor: seed.owner.actor,
      input: { eventId: seed.event.id, csv: `first_name,last_name,email\nGrace,Hopper,${uniqueEmail()}\nAlan,Turing,${uniqueEmail()}\n` },
    });
    await expect.poll(async () => (await app.deps.prisma.importJob.findUniqueOrThrow({ where: { id: job.id } })).status, { timeout: 15_000 }).toBe('COMPLETED');
    await expectExact();
    expect((await real()).count(() => true)).toBe(9);

    // A test key sees the test attendees' numbers, and a dashboard never does.
    const asTestKey = await graphqlOk(app.url, query, { token: seed.testKey, variables: { id: seed.event.id } });
    expect(asTestKey.event.stats).toEqual({ registered: 2, checkedIn: 0, cancelled: 0, noShow: 0, capacityRemaining: 18 });
    expect(asTestKey.event.ticketTypes).toEqual([
      { slug: 'general', registeredCount: 1, remaining: 18 },
      { slug: 'vip', registeredCount: 1, remaining: 2 },
    ]);
  });

  it('capacityRemaining sums the ticket types when every one is limited, and is null when nothing is', async () => {
    const owner = await createUser(app.deps);
    const unlimited = await createTestEvent(app.deps, owner.actor);
    const bounded = await createTestEvent(app.deps, owner.actor);
    const general = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: bounded.id } });
    await updateTicketType(app.deps, { actor: owner.actor, input: { id: general.id, capacity: 5 } });
    await createTicketType(app.deps, { actor: owner.actor, input: { eventId: bounded.id, name: 'Workshop', slug: 'workshop', capacity: 2 } });
    const query = 'query ($id: ID!) { event(id: $id) { stats { capacityRemaining } ticketTypes { slug remaining } } }';
    const of = async (id: string) => (await graphqlOk(app.url, query, { token: owner.token, variables: { id } })).event;
    expect(await of(unlimited.id)).toEqual({ stats: { capacityRemaining: null }, ticketTypes: [{ slug: 'general', remaining: null }] });
    expect(await of(bounded.id)).toEqual({
      stats: { capacityRemaining: 7 },
      ticketTypes: [
        { slug: 'general', remaining: 5 },
        { slug: 'workshop', remaining: 2 },
      ],
    });
  });

  it('a dashboard home of 20 events reads every event’s numbers in one statement', async () => {
    const statements: string[] = [];
    const counted = await startTestApp({ ROLE: 'api' }, { databaseUrl: app.databaseUrl });
    const pool = counted.deps.pool;
    const query = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof query>) => {
      statements.push(String(typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text));
      return query(...args);
    }) as typeof pool.query;
    try {
      const owner = await createUser(app.deps);
      for (let i = 0; i < 20; i++) await createTestEvent(app.deps, owner.actor, { name: `Event ${i}` });
      const home = async (first: number) => {
        statements.length = 0;
        const data = await graphqlOk(
          counted.url,
          'query ($n: Int) { events(first: $n) { totalCount edges { node { stats { registered } ticketTypes { registeredCount remaining } } } } }',
          {
            token: owner.token,
            variables: { n: first },
          },
        );
        expect(data.events.totalCount).toBe(20);
        expect(data.events.edges).toHaveLength(first);
        return statements.filter((s) => s.includes('event_attendee_counts')).length;
      };
      expect(await home(2)).toBe(1);
      expect(await home(20)).toBe(1);
    } finally {
      await counted.close();
    }
  });
});

describe('filters and orders', () => {
  it('page without gaps or repeats under every order, with ties, nulls and filters; totalCount agrees', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const lastNames = ['Smith', 'Hopper', 'Lovelace', 'Smith', 'Turing', 'Anderson', 'Smith'];
    const people = [];
    for (let i = 0; i < 33; i++) {
      people.push(
        await register(seed, {
          first_name: ['Ada', 'Grace', 'Alan', 'Edsger'][i % 4],
          last_name: lastNames[i % lastNames.length],
          email: uniqueEmail(`p${i}`),
          ticket_type_slug: i % 3 === 0 ? 'vip' : 'general',
        }),
      );
    }
    await register(seed, { last_name: 'Testmode' }, seed.testKey);
    const ids = people.map((p) => p.id);
    for (const p of people.filter((_, i) => i % 3 !== 1).slice(0, 14)) await scan(seed, p.qr_token);
    for (const id of ids.slice(20, 23)) await setAttendeeStatus(app.deps, { actor: seed.owner.actor, input: { attendeeId: id, status: 'CANCELLED' } });
    // Ties in every order column: the id must break them the same way on every page.
    await app.deps.pool.query(`UPDATE attendees SET registered_at = '2027-01-01T10:00:00Z' WHERE id = ANY($1)`, [ids.slice(5, 12)]);
    await app.deps.pool.query(`UPDATE attendees SET checked_in_at = '2027-03-01T09:30:00Z' WHERE id = ANY($1) AND checked_in_at IS NOT NULL`, [
      ids.slice(0, 9),
    ]);
    await app.deps.prisma.attendee.update({ where: { id: ids[30]! }, data: { source: 'DASHBOARD' } });

    const orders = {
      REGISTERED_AT_ASC: 'registered_at ASC, id ASC',
      REGISTERED_AT_DESC: 'registered_at DESC, id DESC',
      LAST_NAME_ASC: 'last_name ASC, first_name ASC, id ASC',
      // The checked-in by check-in time, then everyone else by registration, newest first.
      CHECKED_IN_AT_DESC: 'checked_in_at DESC NULLS LAST, (CASE WHEN checked_in_at IS NULL THEN registered_at END) DESC NULLS LAST, id DESC',
    } as const;
    const vip = `ticket_type_id = (SELECT id FROM ticket_types WHERE event_id = $1 AND slug = 'vip')`;
    const filters: Array<{ args: Partial<AttendeeTableQueryVariables>; where: string }> = [
      { args: {}, where: 'true' },
      { args: { status: 'CHECKED_IN' }, where: `status = 'CHECKED_IN'` },
      { args: { ticketTypeSlug: 'vip' }, where: vip },
      { args: { checkedIn: false, ticketTypeSlug: 'vip' }, where: `status <> 'CHECKED_IN' AND ${vip}` },
      { args: { search: 'SMI' }, where: `(first_name ILIKE '%smi%' OR last_name ILIKE '%smi%' OR email ILIKE '%smi%')` },
      { args: { source: 'DASHBOARD' }, where: `source = 'DASHBOARD'` },
    ];
    for (const [orderBy, sqlOrder] of Object.entries(orders)) {
      for (const filter of filters) {
        const { rows } = await app.deps.pool.query<{ id: string }>(
          `SELECT id FROM attendees WHERE event_id = $1 AND NOT test_mode AND ${filter.where} ORDER BY ${sqlOrder}`,
          [seed.event.id],
        );
        const seen: string[] = [];
        let after: string | null = null;
        let pages = 0;
        for (;;) {
          const { attendees }: Awaited<ReturnType<typeof page>> = await page({ ...filter.args, orderBy: orderBy as keyof typeof orders, first: 7, after });
          expect(attendees.totalCount).toBe(rows.length);
          seen.push(...attendees.edges.map((e) => e.node.id));
          pages++;
          if (!attendees.pageInfo.hasNextPage) break;
          after = attendees.pageInfo.endCursor ?? null;
        }
        expect({ orderBy, filter: filter.args, ids: seen }).toEqual({ orderBy, filter: filter.args, ids: rows.map((r) => r.id) });
        expect(pages).toBe(Math.max(1, Math.ceil(rows.length / 7)));

        // And backwards from the end (last/before), across the segments of an order too.
        const back: string[] = [];
        let before: string | null = null;
        for (;;) {
          const { attendees }: { attendees: { pageInfo: { hasPreviousPage: boolean; startCursor: string | null }; edges: Array<{ node: { id: string } }> } } =
            await graphqlOk(
              app.url,
              `query ($id: ID!, $before: String, $orderBy: AttendeeOrder, $status: AttendeeStatus, $ticketTypeSlug: String, $checkedIn: Boolean,
                    $search: String, $source: RegistrationSource) {
               attendees(eventId: $id, last: 7, before: $before, orderBy: $orderBy, status: $status, ticketTypeSlug: $ticketTypeSlug,
                         checkedIn: $checkedIn, search: $search, source: $source) { pageInfo { hasPreviousPage startCursor } edges { node { id } } } }`,
              { token: seed.owner.token, variables: { id: seed.event.id, before, orderBy, ...filter.args } },
            );
          back.unshift(...attendees.edges.map((e) => e.node.id));
          if (!attendees.pageInfo.hasPreviousPage) break;
          before = attendees.pageInfo.startCursor;
        }
        expect({ orderBy, filter: filter.args, backwards: back }).toEqual({ orderBy, filter: filter.args, backwards: rows.map((r) => r.id) });
      }
    }

    async function page(variables: Omit<AttendeeTableQueryVariables, 'eventId'>) {
      return await runScreen(app.url, AttendeeTableDocument, { eventId: seed.event.id, ...variables }, seed.owner.token);
    }
  });

  it('events filter by status and search, order three ways, and page', async () => {
    const owner = await createUser(app.deps);
    const made: Awaited<ReturnType<typeof createTestEvent>>[] = [];
    for (let i = 0; i < 9; i++) {
      made.push(
        await createTestEvent(app.deps, owner.actor, {
          name: i % 2 ? `Summit ${i}` : `Meetup ${i}`,
          startsAt: new Date(Date.UTC(2027, 5, 10 - (i % 4), 9)),
          endsAt: new Date(Date.UTC(2027, 5, 12, 17)),
          status: i % 3 === 0 ? 'DRAFT' : 'PUBLISHED',
          venue: i === 4 ? 'Summit Hall' : null,
        }),
      );
    }
    const query = `query ($first: Int, $after: String, $status: EventStatus, $search: String, $orderBy: EventOrder) {
      events(first: $first, after: $after, status: $status, search: $search, orderBy: $orderBy) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`;
    const all = async (variables: Record<string, unknown>) => {
      const ids: string[] = [];
      let after: string | null = null;
      let total = -1;
      for (;;) {
        const { events }: { events: any } = await graphqlOk(app.url, query, { token: owner.token, variables: { ...variables, first: 2, after } });
        total = events.totalCount;
        ids.push(...events.edges.map((e: any) => e.node.id));
        if (!events.pageInfo.hasNextPage) return { ids, total };
        after = events.pageInfo.endCursor;
      }
    };
    const by = (compare: (a: (typeof made)[number], b: (typeof made)[number]) => number, keep = (_e: (typeof made)[number]) => true) => {
      const list = made.filter(keep).sort(compare);
      return { ids: list.map((e) => e.id), total: list.length };
    };
    const idOrder = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    expect(await all({})).toEqual(by((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || idOrder(a, b)));
    expect(await all({ orderBy: 'STARTS_AT_DESC' })).toEqual(by((a, b) => b.startsAt.getTime() - a.startsAt.getTime() || idOrder(b, a)));
    expect(await all({ orderBy: 'CREATED_AT_DESC' })).toEqual(by((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || idOrder(b, a)));
    expect(await all({ status: 'DRAFT' })).toEqual(
      by(
        (a, b) => a.startsAt.getTime() - b.startsAt.getTime() || idOrder(a, b),
        (e) => e.status === 'DRAFT',
      ),
    );
    // Name or venue, any case.
    expect(await all({ search: 'summit', orderBy: 'CREATED_AT_DESC' })).toEqual(
      by(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || idOrder(b, a),
        (e) => e.name.startsWith('Summit') || e.venue === 'Summit Hall',
      ),
    );
  });

  it('refuses an unknown ticket type and a foreign cursor', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const other = await createSeedShapedEvent(app.deps);
    const foreign = await register(other);
    const query =
      'query ($id: ID!, $slug: String, $after: String) { attendees(eventId: $id, ticketTypeSlug: $slug, after: $after) { totalCount edges { node { id } } } }';
    const unknown = await graphql(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id, slug: 'backstage' } });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: { ticketTypeSlug: ['The event has no ticket type "backstage".'] },
    });
    const cursor = await graphql(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id, after: foreign.id } });
    expect(cursor.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('registrationsOverTime', () => {
  it('counts per day and hour of the event’s time zone, empty buckets included, cancelled ones too, live and test apart', async () => {
    // Europe/London is UTC+1 in June: 23:30 UTC on the 1st is the 2nd there.
    const seed = await createSeedShapedEvent(app.deps);
    const people = [];
    for (let i = 0; i < 5; i++) people.push(await register(seed));
    const testOne = await register(seed, {}, seed.testKey);
    const at = ['2027-06-01T10:00:00Z', '2027-06-01T22:59:00Z', '2027-06-01T23:30:00Z', '2027-06-03T08:00:00Z', '2027-06-03T08:45:00Z'];
    for (const [i, time] of at.entries()) await app.deps.pool.query('UPDATE attendees SET registered_at = $2 WHERE id = $1', [people[i]!.id, time]);
    await app.deps.pool.query('UPDATE attendees SET registered_at = $2 WHERE id = $1', [testOne.id, '2027-06-01T10:00:00Z']);
    await setAttendeeStatus(app.deps, { actor: seed.owner.actor, input: { attendeeId: people[4]!.id, status: 'CANCELLED' } });
    const query =
      'query ($id: ID!, $bucket: TimeBucketSize!, $from: DateTime, $to: DateTime) { event(id: $id) { registrationsOverTime(bucket: $bucket, from: $from, to: $to) { start count } } }';
    const series = async (variables: Record<string, unknown>, token = seed.owner.token) =>
      (await graphqlOk(app.url, query, { token, variables: { id: seed.event.id, ...variables } })).event.registrationsOverTime;
    expect(await series({ bucket: 'DAY', from: '2027-05-31T23:00:00Z', to: '2027-06-04T23:00:00Z' })).toEqual([
      { start: '2027-05-31T23:00:00.000Z', count: 2 },
      { start: '2027-06-01T23:00:00.000Z', count: 1 },
      { start: '2027-06-02T23:00:00.000Z', count: 2 },
      { start: '2027-06-03T23:00:00.000Z', count: 0 },
    ]);
    expect(await series({ bucket: 'HOUR', from: '2027-06-03T07:00:00Z', to: '2027-06-03T10:00:00Z' })).toEqual([
      { start: '2027-06-03T07:00:00.000Z', count: 0 },
      { start: '2027-06-03T08:00:00.000Z', count: 2 },
      { start: '2027-06-03T09:00:00.000Z', count: 0 },
    ]);
    expect(await series({ bucket: 'DAY', from: '2027-05-31T23:00:00Z', to: '2027-06-01T23:00:00Z' }, seed.testKey)).toEqual([
      { start: '2027-05-31T23:00:00.000Z', count: 1 },
    ]);
    const tooMany = await graphql(app.url, query, {
      token: seed.owner.token,
      variables: { id: seed.event.id, bucket: 'HOUR', from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' },
    });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: { to: ['At most 1000 buckets: narrow from/to or use DAY buckets.'] },
    });
    const backwards = await graphql(app.url, query, {
      token: seed.owner.token,
      variables: { id: seed.event.id, bucket: 'DAY', from: '2027-01-02T00:00:00Z', to: '2027-01-01T00:00:00Z' },
    });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: { from: ['The from field must be before to.'] } });
  });
});

describe('node and nodes', () => {
  it('fetch every TypeID type of the caller’s organisation; another organisation’s, a missing or a malformed id is null', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await updateEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id, apiConfirmationEmails: true } });
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/nodes`);
    const attendee = await register(seed);
    const testAttendee = await register(seed, {}, seed.testKey);
    const delivery = await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { attendeeId: attendee.id } });
    await expect.poll(() => app.deps.prisma.webhookAttempt.count({ where: { deliveryId: delivery.id } }), { timeout: 10_000 }).toBeGreaterThan(0);
    const attempt = await app.deps.prisma.webhookAttempt.findFirstOrThrow({ where: { deliveryId: delivery.id } });
    const emailLog = await app.deps.prisma.emailLog.findFirstOrThrow({ where: { attendeeId: attendee.id } });
    const job = await importAttendees(app.deps, {
      actor: seed.owner.actor,
      input: { eventId: seed.event.id, csv: 'first_name,last_name,email\n', dryRun: true },
    });
    const invitation = await inviteMember(app.deps, { actor: seed.owner.actor, input: { email: uniqueEmail(), role: 'STAFF' }, clientIp: '127.0.0.1' });
    const staff = await addMember(app.deps, seed.owner.organisationId, 'STAFF');
    const membership = await app.deps.prisma.membership.findFirstOrThrow({ where: { userId: staff.userId } });
    const [ticketType, customField] = await Promise.all([
      app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id } }),
      app.deps.prisma.customField.findFirstOrThrow({ where: { eventId: seed.event.id } }),
    ]);
    const expected: Record<string, string> = {
      [seed.owner.organisationId]: 'Organisation',
      [seed.owner.userId]: 'User',
      [seed.event.id]: 'Event',
      [ticketType.id]: 'TicketType',
      [customField.id]: 'CustomField',
      [attendee.id]: 'Attendee',
      [seed.liveKeyId]: 'ApiKey',
      [endpoint.id]: 'WebhookEndpoint',
      [delivery.id]: 'WebhookDelivery',
      [attempt.id]: 'WebhookAttempt',
      [membership.id]: 'Member',
      [seed.owner.sessionId]: 'Session',
      [emailLog.id]: 'EmailLog',
      [job.id]: 'ImportJob',
      [invitation.id]: 'Invitation',
      [staff.userId]: 'User',
    };
    const ids = Object.keys(expected);
    const query = 'query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }';
    const { nodes } = await graphqlOk(app.url, query, { token: seed.owner.token, variables: { ids } });
    expect(nodes).toEqual(ids.map((id) => ({ __typename: expected[id], id })));
    const one = await graphqlOk(app.url, 'query ($id: ID!) { node(id: $id) { id ... on Event { name stats { registered } } } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    expect(one.node).toEqual({ id: seed.event.id, name: 'Q1 Product Workshop', stats: { registered: 1 } });

    // Another organisation sees none of them, exactly as if they did not exist.
    const stranger = await createSeedShapedEvent(app.deps);
    const missing = 'evt_01jd9zzzzzzzzzzzzzzzzzzzzz';
    const theirs = await graphqlOk(app.url, query, { token: stranger.owner.token, variables: { ids: [...ids, missing, 'not-an-id', 'evt_'] } });
    expect(theirs.nodes).toEqual([...ids.map(() => null), null, null, null]);
    // A test key: test attendees only, and no administration.
    const asKey = await graphql(app.url, query, { token: seed.testKey, variables: { ids: [testAttendee.id, attendee.id, seed.event.id, seed.liveKeyId] } });
    expect(asKey.data?.nodes).toEqual([{ __typename: 'Attendee', id: testAttendee.id }, null, { __typename: 'Event', id: seed.event.id }, null]);
    expect(asKey.errors).toEqual([expect.objectContaining({ path: ['nodes', 3], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    // STAFF: events and attendees, not keys or webhooks.
    const asStaff = await graphql(app.url, query, { token: staff.token, variables: { ids: [attendee.id, endpoint.id] } });
    expect(asStaff.data?.nodes).toEqual([{ __typename: 'Attendee', id: attendee.id }, null]);
    expect(asStaff.errors?.map((e) => [e.path, e.extensions.code])).toEqual([[['nodes', 1], 'FORBIDDEN']]);
    const tooMany = await graphql(app.url, query, { token: seed.owner.token, variables: { ids: Array.from({ length: 101 }, () => seed.event.id) } });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: { ids: ['The ids field must not have more than 100 items.'] } });
  });
});

describe('import jobs, email logs and deliveries as connections', () => {
  it('page newest first with totalCount; another organisation’s event is not found', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const jobs = [];
    for (let i = 0; i < 3; i++) {
      jobs.push(
        await importAttendees(app.deps, { actor: seed.owner.actor, input: { eventId: seed.event.id, csv: 'first_name,last_name,email\n', dryRun: true } }),
      );
    }
    const query =
      'query ($id: ID!, $after: String) { importJobs(eventId: $id, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id dryRun } } } }';
    const first = await graphqlOk(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id } });
    expect(first.importJobs.totalCount).toBe(3);
    const second = await graphqlOk(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id, after: first.importJobs.pageInfo.endCursor } });
    expect([...first.importJobs.edges, ...second.importJobs.edges].map((e: any) => e.node.id)).toEqual(jobs.map((j) => j.id).reverse());
    expect(second.importJobs.pageInfo.hasNextPage).toBe(false);

    await updateEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id, apiConfirmationEmails: true } });
    for (let i = 0; i < 3; i++) await register(seed);
    const emails = 'query ($id: ID!, $status: EmailStatus) { emailLogs(eventId: $id, first: 2, status: $status) { totalCount edges { node { to status } } } }';
    await expect
      .poll(
        async () => (await graphqlOk(app.url, emails, { token: seed.owner.token, variables: { id: seed.event.id, status: 'SENT' } })).emailLogs.totalCount,
        {
          timeout: 15_000,
        },
      )
      .toBe(3);
    const sent = await graphqlOk(app.url, emails, { token: seed.owner.token, variables: { id: seed.event.id } });
    expect(sent.emailLogs.edges).toHaveLength(2);
    expect((await graphqlOk(app.url, emails, { token: seed.owner.token, variables: { id: seed.event.id, status: 'FAILED' } })).emailLogs.totalCount).toBe(0);

    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/connections`);
    for (let i = 0; i < 3; i++) await register(seed);
    const deliveries = 'query ($id: ID!) { webhookDeliveries(endpointId: $id, first: 1) { totalCount edges { node { id } } } }';
    expect((await graphqlOk(app.url, deliveries, { token: seed.owner.token, variables: { id: endpoint.id } })).webhookDeliveries.totalCount).toBe(3);

    const stranger = await createUser(app.deps);
    for (const q of [query, emails]) {
      const refused = await graphql(app.url, q, { token: stranger.token, variables: { id: seed.event.id } });
      expect(refused.errors?.[0]).toMatchObject({ message: 'Event not found.', extensions: { code: 'NOT_FOUND' } });
    }
  });
});

describe('updateOrganisation', () => {
  it('renames and sets retention for OWNER/ADMIN; validates; STAFF and keys may not', async () => {
    const owner = await createUser(app.deps);
    const mutation = 'mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id name retentionDays } }';
    const renamed = await graphqlOk(app.url, mutation, { token: owner.token, variables: { input: { name: '  Acme Events  ', retentionDays: 90 } } });
    expect(renamed.updateOrganisation).toEqual({ id: owner.organisationId, name: 'Acme Events', retentionDays: 90 });
    const kept = await graphqlOk(app.url, mutation, { token: owner.token, variables: { input: { retentionDays: null } } });
    expect(kept.updateOrganisation).toEqual({ id: owner.organisationId, name: 'Acme Events', retentionDays: null });
    const invalid = await graphql(app.url, mutation, { token: owner.token, variables: { input: { name: '', retentionDays: 0 } } });
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: { name: expect.any(Array), retentionDays: expect.any(Array) } });
    expect((await app.deps.prisma.organisation.findUniqueOrThrow({ where: { id: owner.organisationId } })).name).toBe('Acme Events');
    const staff = await addMember(app.deps, owner.organisationId, 'STAFF');
    const key = await createTestApiKey(app.deps, owner.actor);
    for (const token of [staff.token, key.secret]) {
      const refused = await graphql(app.url, mutation, { token, variables: { input: { name: 'Hijacked' } } });
      expect(refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    }
    expect((await app.deps.prisma.organisation.findUniqueOrThrow({ where: { id: owner.organisationId } })).name).toBe('Acme Events');
  });
});
