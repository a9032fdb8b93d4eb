import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIn } from '../../src/modules/check-ins/check-ins.service.ts';
import { updateEvent } from '../../src/modules/events/events.service.ts';
import { deliveriesFor, startTestApp, type TestApp } from '../support/app.ts';
import { addMember, createSeedShapedEvent, createTestEvent } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { untilWebhooksSettled } from '../support/jobs.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

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

async function scan(eventId: string, key: string, body: unknown) {
  return await http<any>(`${app.url}/v1/events/${eventId}/check-ins`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

async function registered(seed: Awaited<ReturnType<typeof createSeedShapedEvent>>, overrides: Record<string, unknown> = {}, key = seed.liveKey) {
  const res = await postRegistration(app.url, seed.event.id, registrationBody(overrides), { key });
  expect(res.status).toBe(201);
  return res.body as { id: string; qr_token: string };
}

describe('POST /v1/events/{event_id}/check-ins', () => {
  it('checks in once; a repeat scan says already checked in with the first time; one webhook', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/checkin-rest`, { triggers: ['ATTENDEE_CHECKED_IN'] });
    const attendee = await registered(seed, { custom_data: { company: 'Acme' } });

    const first = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body)).toEqual(['attendee', 'already_checked_in']);
    expect(first.body.already_checked_in).toBe(false);
    expect(first.body.attendee).toMatchObject({
      id: attendee.id,
      status: 'checked_in',
      checked_in_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      custom_data: { company: 'Acme' },
    });

    const again = await scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token });
    expect(again.status).toBe(200);
    expect(again.body.already_checked_in).toBe(true);
    expect(again.body.attendee.checked_in_at).toBe(first.body.attendee.checked_in_at);

    await untilWebhooksSettled(app);
    expect(receiver.on('/checkin-rest')).toHaveLength(1);
    const [hook] = receiver.on('/checkin-rest');
    expect(hook!.headers['x-eventogate-event']).toBe('attendee.checked_in');
    expect(hook!.json).toMatchObject({
      trigger: 'attendee.checked_in',
      attendee_id: attendee.id,
      status: 'checked_in',
      checked_in_at: expect.stringMatching(/\+00:00$/),
    });
  });

  it('20 simultaneous scans of one token: exactly one first check-in and one webhook', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/checkin-race`, { triggers: ['ATTENDEE_CHECKED_IN'] });
    const attendee = await registered(seed);
    const results = await Promise.all(Array.from({ length: 20 }, () => scan(seed.event.id, seed.liveKey, { qr_token: attendee.qr_token })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(results.filter((r) => r.body.already_checked_in === false)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.attendee.checked_in_at)).size).toBe(1);
    await untilWebhooksSettled(app);
    expect(receiver.on('/checkin-race')).toHaveLength(1);
  });

  it.each([
    ['an unknown token', async () => ({ qr_token: '3f4a9b2c-6f0e-4d8a-9c41-2b7d5e9a1f03' }), 404, { error: 'not_found', message: 'Ticket not found.' }],
    [
      'a malformed token',
      async () => ({ qr_token: 'not-a-uuid' }),
      422,
      { message: 'The given data was invalid.', errors: { qr_token: ['The qr token field must be a valid UUID.'] } },
    ],
    [
      'no token',
      async () => ({}),
      422,
      { message: 'The given data was invalid.', errors: { qr_token: ['Send exactly one of qr_token (a scan) and attendee_id (manual check-in).'] } },
    ],
  ])('%s is refused with its documented status and body', async (_case, body, status, expected) => {
    const seed = await createSeedShapedEvent(app.deps);
    const res = await scan(seed.event.id, seed.liveKey, await body());
    expect(res.status).toBe(status);
    expect(res.body).toEqual(expected);
  });

  it('refuses a cancelled registration, naming why, and a ticket of another event', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const cancelled = await registered(seed);
    await app.deps.prisma.attendee.update({ where: { id: cancelled.id }, data: { status: 'CANCELLED' } });
    const refused = await scan(seed.event.id, seed.liveKey, { qr_token: cancelled.qr_token });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ message: 'The given data was invalid.', errors: { qr_token: ['This registration has been cancelled.'] } });

    const otherEvent = await createTestEvent(app.deps, seed.owner.actor);
    const attendee = await registered(seed);
    const wrongDoor = await scan(otherEvent.id, seed.liveKey, { qr_token: attendee.qr_token });
    expect(wrongDoor.status).toBe(422);
    expect(wrongDoor.body.errors).toEqual({ qr_token: ['This ticket is for another event.'] });
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } })).status).toBe('REGISTERED');
  });

  it('another organisation’s ticket is unknown; its event is forbidden; test keys see only test tickets', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const stranger = await createSeedShapedEvent(app.deps);
    const theirs = await registered(stranger);
    expect((await scan(seed.event.id, seed.liveKey, { qr_token: theirs.qr_token })).status).toBe(404);
    expect((await scan(stranger.event.id, seed.liveKey, { qr_token: theirs.qr_token })).status).toBe(403);
    const live = await registered(seed);
    expect((await scan(seed.event.id, seed.testKey, { qr_token: live.qr_token })).status).toBe(404);
    const sandbox = await registered(seed, {}, seed.testKey);
    const ok = await scan(seed.event.id, seed.testKey, { qr_token: sandbox.qr_token });
    expect(ok.body.already_checked_in).toBe(false);
  });
});

describe('scans arriving together', () => {
  it('are checked in in one transaction, each answered as if alone; one delivery per first check-in', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/checkin-batch`, { triggers: ['ATTENDEE_CHECKED_IN'] });
    const stranger = await createSeedShapedEvent(app.deps);
    const [a, b, c, cancelled, earlier, wrongEvent] = await Promise.all([
      registered(seed),
      registered(seed),
      registered(seed),
      registered(seed),
      registered(seed),
      registered(seed),
    ]);
    const theirs = await registered(stranger);
    await app.deps.prisma.attendee.update({ where: { id: cancelled!.id }, data: { status: 'CANCELLED' } });
    const before = await checkIn(app.deps, { actor: seed.liveActor, input: { qr_token: earlier!.qr_token } });
    const otherEvent = await createTestEvent(app.deps, seed.owner.actor);
    await app.deps.prisma.attendee.update({
      where: { id: wrongEvent!.id },
      data: { eventId: otherEvent.id, ticketTypeId: (await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: otherEvent.id } })).id },
    });

    const scans: Array<Record<string, string>> = [
      { qr_token: a!.qr_token },
      { qr_token: a!.qr_token },
      { attendee_id: b!.id },
      { qr_token: c!.qr_token },
      { qr_token: cancelled!.qr_token },
      { qr_token: earlier!.qr_token },
      { qr_token: theirs.qr_token },
      { qr_token: '3f4a9b2c-6f0e-4d8a-9c41-2b7d5e9a1f03' },
      { qr_token: wrongEvent!.qr_token },
    ];
    // Submitted in one tick, so they share one batch.
    const settled = await Promise.allSettled(scans.map((input) => checkIn(app.deps, { actor: seed.liveActor, input: { ...input, event_id: seed.event.id } })));
    const outcome = (r: PromiseSettledResult<Awaited<ReturnType<typeof checkIn>>>) =>
      r.status === 'fulfilled'
        ? r.value.alreadyCheckedIn
          ? `again:${r.value.attendee.id}`
          : `first:${r.value.attendee.id}`
        : String((r.reason as Error).message) + JSON.stringify((r.reason as { fieldErrors?: unknown }).fieldErrors ?? {});
    expect(settled.map(outcome)).toEqual([
      `first:${a!.id}`,
      `again:${a!.id}`,
      `first:${b!.id}`,
      `first:${c!.id}`,
      'The given data was invalid.{"qr_token":["This registration has been cancelled."]}',
      `again:${earlier!.id}`,
      'Ticket not found.{}',
      'Ticket not found.{}',
      'The given data was invalid.{"qr_token":["This ticket is for another event."]}',
    ]);
    const [first, second] = settled as Array<PromiseFulfilledResult<Awaited<ReturnType<typeof checkIn>>>>;
    expect(second!.value.attendee.checkedInAt).toEqual(first!.value.attendee.checkedInAt);
    expect((settled[5] as PromiseFulfilledResult<Awaited<ReturnType<typeof checkIn>>>).value.attendee.checkedInAt).toEqual(before.attendee.checkedInAt);

    const statuses = await app.deps.prisma.attendee.findMany({
      where: { id: { in: [a!.id, b!.id, c!.id, cancelled!.id, wrongEvent!.id] } },
      orderBy: { id: 'asc' },
    });
    expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({
      [a!.id]: 'CHECKED_IN',
      [b!.id]: 'CHECKED_IN',
      [c!.id]: 'CHECKED_IN',
      [cancelled!.id]: 'CANCELLED',
      [wrongEvent!.id]: 'REGISTERED',
    });
    // The endpoint listens to check-ins only: one delivery for each first check-in, none for the others.
    for (const id of [a!.id, b!.id, c!.id]) expect((await deliveriesFor(app, id)).map((d) => d.trigger)).toEqual(['ATTENDEE_CHECKED_IN']);
    for (const id of [cancelled!.id, wrongEvent!.id]) expect(await deliveriesFor(app, id)).toEqual([]);
  });
});

describe('event stats', () => {
  it('follow every write path: batched registrations, test mode, check-ins, undo, cancel, deletion', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const actual = async () => {
      const { rows } = await app.deps.pool.query(
        `SELECT count(*) FILTER (WHERE status IN ('REGISTERED', 'CHECKED_IN', 'NO_SHOW', 'OFFERED'))::int AS "registered",
                count(*) FILTER (WHERE status = 'CHECKED_IN')::int AS "checkedIn",
                count(*) FILTER (WHERE status = 'CANCELLED')::int AS "cancelled", count(*) FILTER (WHERE status = 'NO_SHOW')::int AS "noShow",
                count(*) FILTER (WHERE status = 'WAITLISTED')::int AS "waitlisted", count(*) FILTER (WHERE status = 'OFFERED')::int AS "offered",
                count(*) FILTER (WHERE status = 'PENDING_APPROVAL')::int AS "pendingApproval", count(*) FILTER (WHERE status = 'DECLINED')::int AS "declined"
         FROM attendees WHERE event_id = $1 AND NOT test_mode`,
        [seed.event.id],
      );
      return rows[0];
    };
    // The counters against a real count, after every step (the dashboard's Event.stats reads the same counters).
    const expectStats = async (expected: { registered: number; checkedIn: number }) => {
      const counted = await actual();
      expect(counted).toMatchObject(expected);
      expect(await app.deps.live.stats(seed.event.id, { testMode: false })).toEqual({ ...counted, capacityRemaining: null });
    };
    await expectStats({ registered: 0, checkedIn: 0 });
    const people = await Promise.all(Array.from({ length: 12 }, () => registered(seed)));
    await registered(seed, {}, seed.testKey);
    await expectStats({ registered: 12, checkedIn: 0 });
    await Promise.all(people.slice(0, 5).map((p) => scan(seed.event.id, seed.liveKey, { qr_token: p.qr_token })));
    await scan(seed.event.id, seed.liveKey, { qr_token: people[0]!.qr_token });
    await expectStats({ registered: 12, checkedIn: 5 });
    await graphqlOk(app.url, 'mutation ($id: ID!) { undoCheckIn(input: { attendeeId: $id }) { status } }', {
      token: seed.owner.token,
      variables: { id: people[0]!.id },
    });
    await graphqlOk(app.url, 'mutation ($id: ID!) { setAttendeeStatus(input: { attendeeId: $id, status: CANCELLED }) { id } }', {
      token: seed.owner.token,
      variables: { id: people[1]!.id },
    });
    await expectStats({ registered: 11, checkedIn: 3 });
    await app.deps.prisma.attendee.delete({ where: { id: people[2]!.id } });
    await expectStats({ registered: 10, checkedIn: 2 });
    await app.deps.prisma.event.delete({ where: { id: seed.event.id } });
    expect((await app.deps.pool.query('SELECT count(*)::int AS n FROM event_attendee_counts WHERE event_id = $1', [seed.event.id])).rows[0].n).toBe(0);
  });
});

describe('GraphQL check-in', () => {
  const CHECK_IN = 'mutation ($input: CheckInInput!) { checkIn(input: $input) { alreadyCheckedIn attendee { id status checkedInAt } } }';

  it('by QR token or by attendee id (manual), and undo', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/gql-checkin`);
    const a = await registered(seed);
    const b = await registered(seed);
    const byToken = await graphqlOk(app.url, CHECK_IN, { token: seed.owner.token, variables: { input: { qrToken: a.qr_token, eventId: seed.event.id } } });
    expect(byToken.checkIn).toMatchObject({ alreadyCheckedIn: false, attendee: { id: a.id, status: 'CHECKED_IN' } });
    const manual = await graphqlOk(app.url, CHECK_IN, { token: seed.owner.token, variables: { input: { attendeeId: b.id } } });
    expect(manual.checkIn).toMatchObject({ alreadyCheckedIn: false, attendee: { id: b.id, status: 'CHECKED_IN' } });

    const undone = await graphqlOk(app.url, 'mutation ($id: ID!) { undoCheckIn(input: { attendeeId: $id }) { status checkedInAt } }', {
      token: seed.owner.token,
      variables: { id: b.id },
    });
    expect(undone.undoCheckIn).toEqual({ status: 'REGISTERED', checkedInAt: null });
    await receiver.waitFor(() => receiver.on('/gql-checkin').filter((h) => h.json.trigger === 'attendee.status_changed').length === 1);
    expect(receiver.on('/gql-checkin').find((h) => h.json.trigger === 'attendee.status_changed')!.json).toMatchObject({
      attendee_id: b.id,
      status: 'registered',
      checked_in_at: null,
    });

    const unknown = await graphql(app.url, CHECK_IN, { token: seed.owner.token, variables: { input: { qrToken: '3f4a9b2c-6f0e-4d8a-9c41-2b7d5e9a1f03' } } });
    expect(unknown.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    await app.deps.prisma.attendee.update({ where: { id: a.id }, data: { status: 'CANCELLED' } });
    const cancelled = await graphql(app.url, CHECK_IN, { token: seed.owner.token, variables: { input: { qrToken: a.qr_token } } });
    expect(cancelled.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { qrToken: ['This registration has been cancelled.'] } });
  });

  it('STAFF may check in and read attendees; nothing else (not even undo a check-in)', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const staff = await addMember(app.deps, seed.owner.organisationId, 'STAFF');
    const a = await registered(seed);
    const result = await graphqlOk(app.url, CHECK_IN, { token: staff.token, variables: { input: { qrToken: a.qr_token } } });
    expect(result.checkIn.alreadyCheckedIn).toBe(false);
    const list = await graphqlOk(app.url, 'query ($id: ID!) { attendees(eventId: $id) { edges { node { id } } } }', {
      token: staff.token,
      variables: { id: seed.event.id },
    });
    expect(list.attendees.edges).toHaveLength(1);
    for (const [document, variables] of [
      ['mutation ($id: ID!) { setAttendeeStatus(input: { attendeeId: $id, status: CANCELLED }) { id } }', { id: a.id }],
      ['mutation ($id: ID!) { updateAttendee(input: { attendeeId: $id, firstName: "X" }) { id } }', { id: a.id }],
      [
        'mutation ($id: ID!) { registerAttendee(input: { eventId: $id, firstName: "A", lastName: "B", email: "staff-made@example.com" }) { id } }',
        { id: seed.event.id },
      ],
      ['mutation { inviteMember(input: { email: "x@example.com", role: STAFF }) { id } }', {}],
      // Door staff check in; undoing a check-in is for owners and admins.
      ['mutation ($id: ID!) { undoCheckIn(input: { attendeeId: $id }) { id } }', { id: a.id }],
    ] as const) {
      const refused = await graphql(app.url, document, { token: staff.token, variables });
      expect(refused.errors?.[0]?.extensions.code, document).toBe('FORBIDDEN');
    }
  });
});

describe('attendees in the dashboard', () => {
  it('registerAttendee (dashboard source), updateAttendee and setAttendeeStatus with its webhook', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/dashboard`, { triggers: ['ATTENDEE_STATUS_CHANGED'] });
    const created = await graphqlOk(
      app.url,
      `mutation ($input: RegisterAttendeeInput!) { registerAttendee(input: $input) {
         id source status ticketType { slug } customData customFields { field { fieldKey } value } } }`,
      {
        token: seed.owner.token,
        variables: {
          input: {
            eventId: seed.event.id,
            firstName: 'Dash',
            lastName: 'Board',
            email: 'dash@example.com',
            ticketTypeSlug: 'vip',
            customData: { company: 'Initech' },
          },
        },
      },
    );
    expect(created.registerAttendee).toMatchObject({
      source: 'DASHBOARD',
      status: 'REGISTERED',
      ticketType: { slug: 'vip' },
      customData: { company: 'Initech' },
      customFields: [
        { field: { fieldKey: 'company' }, value: 'Initech' },
        { field: { fieldKey: 'job_title' }, value: null },
      ],
    });
    const invalid = await graphql(app.url, 'mutation ($input: RegisterAttendeeInput!) { registerAttendee(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, firstName: '', lastName: 'B', email: 'dash@example.com', customData: { nope: 1 } } },
    });
    expect(invalid.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      errors: {
        firstName: ['The first name field is required.'],
        'customData.nope': ['The custom data.nope field is not a registration field of this event.'],
      },
    });

    const id = created.registerAttendee.id;
    const updated = await graphqlOk(
      app.url,
      'mutation ($id: ID!) { updateAttendee(input: { attendeeId: $id, lastName: "Boarder", ticketTypeSlug: "general" }) { lastName ticketType { slug } } }',
      {
        token: seed.owner.token,
        variables: { id },
      },
    );
    expect(updated.updateAttendee).toEqual({ lastName: 'Boarder', ticketType: { slug: 'general' } });

    const same = await graphqlOk(app.url, 'mutation ($id: ID!) { setAttendeeStatus(input: { attendeeId: $id, status: REGISTERED }) { status } }', {
      token: seed.owner.token,
      variables: { id },
    });
    expect(same.setAttendeeStatus.status).toBe('REGISTERED');
    const noShow = await graphqlOk(app.url, 'mutation ($id: ID!) { setAttendeeStatus(input: { attendeeId: $id, status: NO_SHOW }) { status } }', {
      token: seed.owner.token,
      variables: { id },
    });
    expect(noShow.setAttendeeStatus.status).toBe('NO_SHOW');
    await untilWebhooksSettled(app);
    expect(receiver.on('/dashboard').map((h) => [h.json.trigger, h.json.status])).toEqual([['attendee.status_changed', 'no_show']]);
  });

  it('leaving CANCELLED takes a seat again, so capacity is checked', async () => {
    const seed = await createSeedShapedEvent(app.deps, { capacity: 1 });
    const a = await registered(seed);
    await graphqlOk(app.url, 'mutation ($id: ID!) { setAttendeeStatus(input: { attendeeId: $id, status: CANCELLED }) { status } }', {
      token: seed.owner.token,
      variables: { id: a.id },
    });
    await registered(seed);
    const back = await graphql(app.url, 'mutation ($id: ID!) { setAttendeeStatus(input: { attendeeId: $id, status: REGISTERED }) { status } }', {
      token: seed.owner.token,
      variables: { id: a.id },
    });
    expect(back.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { event: ['This event is full.'] } });
  });

  it('lists with search and status filters and pages in registration order', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const ids: string[] = [];
    for (const [first, email] of [
      ['Ada', 'ada@example.com'],
      ['Grace', 'grace@example.com'],
      ['Alan', 'turing@example.com'],
    ] as const) {
      ids.push((await registered(seed, { first_name: first, email })).id);
    }
    await updateEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id, venue: 'Hall' } });
    const query =
      'query ($id: ID!, $q: String, $s: AttendeeStatus, $after: String) { attendees(eventId: $id, search: $q, status: $s, first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }';
    const page1 = await graphqlOk(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id } });
    expect(page1.attendees.edges.map((e: any) => e.node.id)).toEqual(ids.slice(0, 2));
    const page2 = await graphqlOk(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id, after: page1.attendees.pageInfo.endCursor } });
    expect(page2.attendees.edges.map((e: any) => e.node.id)).toEqual(ids.slice(2));
    expect(
      (await graphqlOk(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id, q: 'TURING' } })).attendees.edges.map((e: any) => e.node.id),
    ).toEqual([ids[2]]);
    expect((await graphqlOk(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id, s: 'CHECKED_IN' } })).attendees.edges).toEqual([]);
  });
});

describe('the attendee page runs a constant number of SQL statements', () => {
  it('the same for 5 and 50 rows with ticket types and field definitions', async () => {
    const statements: string[] = [];
    const counted = await startTestApp({}, { databaseUrl: app.databaseUrl, onQuery: (q) => statements.push(q) });
    try {
      const seed = await createSeedShapedEvent(app.deps);
      for (let i = 0; i < 50; i++) await registered(seed, { custom_data: { company: `Co ${i}` }, ticket_type_slug: i % 2 ? 'vip' : 'general' });
      const query = `query ($id: ID!, $n: Int) { attendees(eventId: $id, first: $n) { edges { node {
        id firstName email status qrCodeUrl ticketType { name slug } customFields { field { fieldKey fieldLabel fieldType } value } } } } }`;
      const count = async (n: number) => {
        statements.length = 0;
        const data = await graphqlOk(counted.url, query, { token: seed.owner.token, variables: { id: seed.event.id, n } });
        expect(data.attendees.edges).toHaveLength(n);
        expect(data.attendees.edges[n - 1].node.customFields[0].value).toBe(`Co ${n - 1}`);
        return statements.length;
      };
      await count(5); // warm-up: the field definitions come from the event cache once it holds the event
      const five = await count(5);
      const fifty = await count(50);
      expect(fifty).toBe(five);
      expect(five).toBeLessThanOrEqual(8);
    } finally {
      await counted.close();
    }
  });
});
