import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteEvent } from '../../src/modules/events/events.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createTestEvent } from '../support/factories.ts';
import { graphql, graphqlOk } from '../support/http.ts';
import { untilWebhooksSettled } from '../support/jobs.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

/** Exact under every race: one change, one webhook; a delivery's state never goes backwards; every POST logged. */
let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  app = await startTestApp({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_TIMEOUT_MS: '3000',
    WEBHOOK_RETRY_DELAYS_MS: '200,400,600',
    API_RATE_LIMIT_PER_MIN: '100000',
  });
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

const SET_STATUS = 'mutation ($id: ID!, $status: AttendeeStatus!) { setAttendeeStatus(input: { attendeeId: $id, status: $status }) { status } }';

describe('attendee status changes', () => {
  it('20 simultaneous cancellations of one attendee: one change, one attendee.status_changed', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/status-race`, { triggers: ['ATTENDEE_STATUS_CHANGED'] });
    const attendee = (await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).body;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => graphql(app.url, SET_STATUS, { token: seed.owner.token, variables: { id: attendee.id, status: 'CANCELLED' } })),
    );
    expect(results.every((r) => r.data?.setAttendeeStatus.status === 'CANCELLED')).toBe(true);
    expect(await app.deps.prisma.webhookDelivery.count({ where: { endpointId: endpoint.id } })).toBe(1);
    await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId });
    expect(receiver.on('/status-race')).toHaveLength(1);
  });

  it('statuses flipping while new registrations take the freed seats never leave more holders than seats', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await app.deps.pool.query("UPDATE ticket_types SET capacity = 10 WHERE event_id = $1 AND slug = 'vip'", [seed.event.id]);
    const holders = await Promise.all(
      Array.from(
        { length: 10 },
        async () => (await postRegistration(app.url, seed.event.id, registrationBody({ ticket_type_slug: 'vip' }), { key: seed.liveKey })).body.id as string,
      ),
    );
    const taken = async () =>
      app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, testMode: false, ticketType: { slug: 'vip' }, status: { not: 'CANCELLED' } } });
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        ...holders.map((id) => graphql(app.url, SET_STATUS, { token: seed.owner.token, variables: { id, status: 'CANCELLED' } })),
        ...Array.from({ length: 10 }, () => postRegistration(app.url, seed.event.id, registrationBody({ ticket_type_slug: 'vip' }), { key: seed.liveKey })),
        ...holders.map((id) => graphql(app.url, SET_STATUS, { token: seed.owner.token, variables: { id, status: 'REGISTERED' } })),
      ]);
      expect(await taken()).toBeLessThanOrEqual(10);
    }
    // Whether the last round left seats free depends on the order its requests ran in (a holder cancelled after the
    // round's new registrations were refused frees a seat nobody took): so many, and no more, can still be taken.
    const free = 10 - (await taken());
    const fill: number[] = [];
    for (let i = 0; i < 10; i++)
      fill.push((await postRegistration(app.url, seed.event.id, registrationBody({ ticket_type_slug: 'vip' }), { key: seed.liveKey })).status);
    expect(fill.filter((status) => status === 201)).toHaveLength(free);
    expect(await taken()).toBe(10);
  });
});

describe('the delivery state machine', () => {
  it('a redelivery that succeeds while the last automatic attempt is in flight and then fails leaves the delivery SUCCEEDED', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const previous = receiver.respond;
    // The automatic attempt: slow, then 500. The redelivery, sent meanwhile: 200 at once.
    receiver.respond = (req) => (req.path === '/late-failure' ? (req.count === 1 ? { status: 500, delayMs: 800 } : { status: 200 }) : previous(req));
    try {
      const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/late-failure`, { triggers: ['ATTENDEE_REGISTERED'] });
      // The last automatic attempt: pretend the schedule is used up but this one.
      await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      await receiver.waitFor(() => receiver.on('/late-failure').length === 1);
      const delivery = await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
      await app.deps.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { automaticAttempts: 4 } });
      const redelivered = await graphqlOk(app.url, 'mutation ($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { status } }', {
        token: seed.owner.token,
        variables: { id: delivery.id },
      });
      expect(redelivered.redeliverWebhook.status).toBe('SUCCEEDED');
      await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId });
      expect(await app.deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({
        status: 'SUCCEEDED',
        nextAttemptAt: null,
      });
      const attempts = await app.deps.prisma.webhookAttempt.findMany({ where: { deliveryId: delivery.id }, orderBy: { attemptNumber: 'asc' } });
      expect(attempts.map((a) => [a.manual, a.statusCode])).toEqual([
        [false, 500],
        [true, 200],
      ]);
    } finally {
      receiver.respond = previous;
    }
  });

  it('10 concurrent redeliveries: one success is final, and every POST is one attempt row', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/many' ? (req.count === 6 ? { status: 200, delayMs: 50 } : { status: 500, delayMs: 50 }) : previous(req));
    try {
      const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/many`, { triggers: ['ATTENDEE_REGISTERED'] });
      await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      await receiver.waitFor(() => receiver.on('/many').length >= 1);
      const delivery = await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
      await Promise.all(
        Array.from({ length: 10 }, () =>
          graphqlOk(app.url, 'mutation ($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { id } }', {
            token: seed.owner.token,
            variables: { id: delivery.id },
          }),
        ),
      );
      await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId });
      const final = await app.deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id }, include: { attempts: true } });
      expect(final.status).toBe('SUCCEEDED');
      expect(final.nextAttemptAt).toBeNull();
      expect(final.attempts).toHaveLength(receiver.on('/many').length);
      expect(final.attemptCount).toBe(receiver.on('/many').length);
      expect(new Set(final.attempts.map((a) => a.attemptNumber)).size).toBe(final.attempts.length);
    } finally {
      receiver.respond = previous;
    }
  });

  it('an attempt whose lease runs out mid-flight is sent again: both POSTs are logged', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/stall' ? (req.count === 1 ? { status: 200, delayMs: 1_500 } : { status: 200 }) : previous(req));
    try {
      const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/stall`, { triggers: ['ATTENDEE_REGISTERED'] });
      await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      await receiver.waitFor(() => receiver.on('/stall').length === 1);
      // As if the worker stalled past its lease: another claim takes the delivery.
      await app.deps.prisma.webhookDelivery.updateMany({ where: { endpointId: endpoint.id }, data: { leaseUntil: new Date(Date.now() - 1) } });
      await receiver.waitFor(() => receiver.on('/stall').length === 2, 5_000);
      await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId });
      const delivery = await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id }, include: { attempts: true } });
      expect(delivery.status).toBe('SUCCEEDED');
      expect(delivery.attempts.map((a) => a.statusCode)).toEqual([200, 200]);
      expect(receiver.on('/stall')).toHaveLength(2);
    } finally {
      receiver.respond = previous;
    }
  });
});

describe('who receives an occurrence is decided at commit', () => {
  it('an endpoint created after the commit gets nothing; one disabled after it keeps its delivery, failed and not sent', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint: early } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/at-commit`, { triggers: ['ATTENDEE_REGISTERED'] });
    // Paused, so the delivery is still waiting when the endpoint is disabled.
    await app.deps.prisma.webhookEndpoint.update({ where: { id: early.id }, data: { pausedUntil: new Date(Date.now() + 60_000) } });
    const attendee = (await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).body;
    const { endpoint: late } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/after-commit`, { triggers: ['ATTENDEE_REGISTERED'] });
    await graphqlOk(app.url, 'mutation ($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { enabled } }', {
      token: seed.owner.token,
      variables: { id: early.id },
    });
    expect(await app.deps.prisma.webhookDelivery.count({ where: { endpointId: late.id } })).toBe(0);
    expect(await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: early.id, attendeeId: attendee.id } })).toMatchObject({
      status: 'FAILED',
    });
    await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId });
    expect(receiver.on('/at-commit')).toEqual([]);
    expect(receiver.on('/after-commit')).toEqual([]);
  });

  it('a delivery committed just after its endpoint was disabled is failed by the sweep, never left pending or sent', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/disabled-mid-commit`, { triggers: ['ATTENDEE_REGISTERED'] });
    const attendee = (await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.testKey })).body;
    // The interleaving a registration can meet: its transaction wrote the delivery (the endpoint was enabled when
    // it looked) and has not committed when the endpoint is disabled; the disabling cannot see the row.
    const registration = await app.deps.pool.connect();
    try {
      await registration.query('BEGIN');
      await registration.query(
        `INSERT INTO webhook_deliveries (id, endpoint_id, attendee_id, trigger, emission_id, payload, status, next_attempt_at, updated_at)
         VALUES ('whd_race_disabled', $1, $2, 'ATTENDEE_REGISTERED', 'race-disabled', '{}', 'PENDING', now(), now())`,
        [endpoint.id, attendee.id],
      );
      await graphqlOk(app.url, 'mutation ($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { enabled } }', {
        token: seed.owner.token,
        variables: { id: endpoint.id },
      });
      await registration.query('COMMIT');
    } finally {
      registration.release();
    }
    await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId });
    expect(await app.deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: 'whd_race_disabled' } })).toMatchObject({
      status: 'FAILED',
      nextAttemptAt: null,
    });
    expect(receiver.on('/disabled-mid-commit')).toEqual([]);
  });

  it('one organisation deleting events as they get their first registrations costs another organisation no webhook', async () => {
    const a = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, a.owner.actor, `${receiver.url}/tenant-a`, { triggers: ['ATTENDEE_REGISTERED'] });
    const b = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, b.owner.actor, `${receiver.url}/tenant-b`, { triggers: ['ATTENDEE_REGISTERED'] });
    const answered: string[] = [];
    const tenantA = async () => {
      for (let i = 0; i < 60; i++) {
        const res = await postRegistration(app.url, a.event.id, registrationBody(), { key: a.liveKey });
        if (res.status === 201) answered.push(res.body.id);
      }
    };
    const tenantB = async () => {
      for (let i = 0; i < 15; i++) {
        const event = await createTestEvent(app.deps, b.owner.actor);
        await Promise.all([
          postRegistration(app.url, event.id, registrationBody(), { key: b.liveKey }),
          deleteEvent(app.deps, { actor: b.owner.actor, input: { id: event.id } }).catch(() => undefined),
        ]);
      }
    };
    await Promise.all([tenantA(), tenantA(), tenantB()]);
    await untilWebhooksSettled(app, { organisationId: a.owner.organisationId, timeoutMs: 30_000 });
    const delivered = new Set(receiver.on('/tenant-a').map((w) => w.json.attendee_id));
    expect(answered.filter((id) => !delivered.has(id))).toEqual([]);
    expect(answered).toHaveLength(120);
  }, 60_000);
});
