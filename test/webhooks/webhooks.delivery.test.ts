import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAttendee } from '../../src/modules/registrations/registrations.service.ts';
import { deliveriesFor, startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createTestEvent } from '../support/factories.ts';
import { graphql, graphqlOk } from '../support/http.ts';
import { untilNextSecond, untilWebhooksSettled } from '../support/jobs.ts';
import { postRegistration, registrationBody, SEED_REQUEST } from '../support/rest.ts';
import { verifyWebhook } from '../support/seed-verify.mjs';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

/** The seed page's payload keys, in its order. */
const SEED_PAYLOAD_KEYS = [
  'trigger',
  'event_id',
  'event_name',
  'attendee_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'country',
  'ticket_type',
  'status',
  'registered_at',
  'checked_in_at',
  'custom_data',
  'qr_code_url',
];

let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_DELAYS_MS: '300,600,900', WEBHOOK_TIMEOUT_MS: '400' });
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

describe('attendee.registered deliveries', () => {
  it('arrive signed so that the seed’s verifyWebhook and the Standard Webhooks library both accept them, with the seed’s payload', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint, secret } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/seed`);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const res = await postRegistration(app.url, seed.event.id, SEED_REQUEST, { key: seed.liveKey });
    expect(res.status).toBe(201);
    const [hook] = await receiver.waitFor(() => receiver.on('/seed').length === 1).then(() => receiver.on('/seed'));

    expect(verifyWebhook(hook!.body, String(hook!.headers['x-eventogate-signature']), secret)).toBe(true);
    expect(new Webhook(secret).verify(hook!.body, hook!.headers as Record<string, string>)).toEqual(hook!.json);
    expect(verifyWebhook(hook!.body, String(hook!.headers['x-eventogate-signature']), `${secret}x`)).toBe(false);

    const delivery = await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    expect(hook!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': expect.stringMatching(/^EventoGate-Webhooks\/1\.0/),
      'x-eventogate-event': 'attendee.registered',
      'x-eventogate-delivery': delivery.id,
      'webhook-id': delivery.id,
      'webhook-timestamp': expect.stringMatching(/^\d{10}$/),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/),
    });
    expect(delivery.id).toMatch(/^whd_[0-9a-z]{26}$/);

    expect(Object.keys(hook!.json)).toEqual(SEED_PAYLOAD_KEYS);
    expect(hook!.json).toEqual({
      trigger: 'attendee.registered',
      event_id: seed.event.id,
      event_name: 'Q1 Product Workshop',
      attendee_id: res.body.id,
      first_name: 'Sarah',
      last_name: 'Chen',
      email: 'sarah@example.com',
      phone: '+1234567890',
      country: 'US',
      ticket_type: 'General Admission',
      status: 'registered',
      registered_at: `${res.body.registered_at.replace(' ', 'T')}+00:00`,
      checked_in_at: null,
      custom_data: { company: 'Acme Corp', job_title: 'Product Manager' },
      qr_code_url: res.body.qr_code_url,
    });

    // The log shows the attempt with what was sent and what came back.
    await expect.poll(async () => (await app.deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status).toBe('SUCCEEDED');
    const attempts = await app.deps.prisma.webhookAttempt.findMany({ where: { deliveryId: delivery.id } });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attemptNumber: 1, manual: false, statusCode: 200, responseBody: 'ok', requestBody: hook!.body, error: null });
  });

  it('selected fields keep only those keys and trigger; scoping and triggers pick the endpoints', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const otherEvent = await createTestEvent(app.deps, seed.owner.actor);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/selected`, { selectedFields: ['email', 'attendee_id'] });
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/scoped-other`, { eventId: otherEvent.id });
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/scoped-this`, { eventId: seed.event.id });
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/checkins-only`, { triggers: ['ATTENDEE_CHECKED_IN'] });
    const disabled = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/disabled`);
    await app.deps.prisma.webhookEndpoint.update({ where: { id: disabled.endpoint.id }, data: { enabled: false } });
    const stranger = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, stranger.owner.actor, `${receiver.url}/other-org`);

    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    await receiver.waitFor(() => receiver.on('/selected').length === 1 && receiver.on('/scoped-this').length === 1);
    await untilWebhooksSettled(app);
    expect(receiver.on('/selected')[0]!.body).toBe(`{"trigger":"attendee.registered","attendee_id":"${res.body.id}","email":"${res.body.email}"}`);
    for (const path of ['/scoped-other', '/checkins-only', '/disabled', '/other-org']) expect(receiver.on(path)).toEqual([]);
  });

  it('only what an enabled endpoint listens to gets a delivery: trigger, event scope and organisation', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const sibling = await createTestEvent(app.deps, seed.owner.actor);
    const register = async () =>
      (await registerAttendee(app.deps, { actor: seed.liveActor, eventId: seed.event.id, input: registrationBody(), source: 'API' })).attendee.id;
    const jobsFor = (attendeeId: string) => deliveriesFor(app, attendeeId);

    expect(await jobsFor(await register())).toEqual([]);
    // Listening to another trigger, to another event, or disabled: still nothing.
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/scoped-other`, { triggers: ['ATTENDEE_CHECKED_IN'] });
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/scoped-other`, { eventId: sibling.id });
    const disabled = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/scoped-other`);
    await app.deps.prisma.webhookEndpoint.update({ where: { id: disabled.endpoint.id }, data: { enabled: false } });
    expect(await jobsFor(await register())).toEqual([]);
    // Another organisation's endpoint for everything does not count either.
    const stranger = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, stranger.owner.actor, `${receiver.url}/scoped-other`);
    expect(await jobsFor(await register())).toEqual([]);

    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/scoped-this`, { eventId: seed.event.id, triggers: ['ATTENDEE_REGISTERED'] });
    const heard = await register();
    expect(await jobsFor(heard)).toHaveLength(1);
    await receiver.waitFor(() => receiver.on('/scoped-this').some((h) => h.json.attendee_id === heard));
    expect(receiver.on('/scoped-other')).toEqual([]);
  });

  it('test keys fire nothing', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/test-mode`);
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.testKey });
    expect(res.status).toBe(201);
    await untilWebhooksSettled(app);
    expect(receiver.on('/test-mode')).toEqual([]);
    expect(await app.deps.prisma.webhookDelivery.count({ where: { attendeeId: res.body.id } })).toBe(0);
  });

  it('a registration whose transaction rolls back sends nothing', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/rollback`);
    const actor = seed.liveActor;
    await expect(
      registerAttendee(app.deps, {
        actor,
        eventId: seed.event.id,
        input: registrationBody(),
        source: 'API',
        onTransactionEnd: async () => {
          throw new Error('rolled back after the trigger was emitted');
        },
      }),
    ).rejects.toThrow('rolled back');
    await untilWebhooksSettled(app);
    expect(receiver.on('/rollback')).toEqual([]);
  });
});

describe('retries', () => {
  it('an always-500 receiver gets exactly 4 attempts at +300, +600, +900 ms (±250), then FAILED; no 5th', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/always-500`);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/always-500' ? { status: 500, body: 'nope' } : previous(req));
    try {
      await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      const hits = await receiver.waitFor(() => receiver.on('/always-500').length === 4, 8_000).then(() => receiver.on('/always-500'));
      const gaps = hits.slice(1).map((hit, i) => hit.at - hits[i]!.at);
      expect(gaps[0]).toBeGreaterThanOrEqual(300 - 250);
      expect(gaps[0]).toBeLessThanOrEqual(300 + 250);
      expect(gaps[1]).toBeGreaterThanOrEqual(600 - 250);
      expect(gaps[1]).toBeLessThanOrEqual(600 + 250);
      expect(gaps[2]).toBeGreaterThanOrEqual(900 - 250);
      expect(gaps[2]).toBeLessThanOrEqual(900 + 250);
      expect(new Set(hits.map((h) => h.headers['x-eventogate-delivery'])).size).toBe(1);
      expect(new Set(hits.map((h) => h.body)).size).toBe(1);

      await untilWebhooksSettled(app);
      expect(receiver.on('/always-500')).toHaveLength(4);
      const data = await graphqlOk(
        app.url,
        `query ($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { id status attemptCount nextAttemptAt
           attempts { attemptNumber statusCode durationMs error errorClass manual responseBody } } } } }`,
        { token: seed.owner.token, variables: { id: endpoint.id } },
      );
      const [edge] = data.webhookDeliveries.edges;
      expect(edge.node).toMatchObject({ status: 'FAILED', attemptCount: 4, nextAttemptAt: null });
      expect(edge.node.attempts.map((a: { attemptNumber: number }) => a.attemptNumber)).toEqual([1, 2, 3, 4]);
      for (const attempt of edge.node.attempts) {
        expect(attempt).toMatchObject({ statusCode: 500, errorClass: 'http_status', error: 'receiver answered 500', manual: false, responseBody: 'nope' });
        expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
      }
    } finally {
      receiver.respond = previous;
    }
  });

  it('success on the 3rd attempt stops the retries', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/third-time`);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/third-time' ? { status: req.count < 3 ? 503 : 204 } : previous(req));
    try {
      const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      await receiver.waitFor(() => receiver.on('/third-time').length === 3, 5_000);
      await untilWebhooksSettled(app);
      expect(receiver.on('/third-time')).toHaveLength(3);
      const delivery = await app.deps.prisma.webhookDelivery.findFirstOrThrow({
        where: { attendeeId: res.body.id },
        include: { attempts: { orderBy: { attemptNumber: 'asc' } } },
      });
      expect(delivery.status).toBe('SUCCEEDED');
      expect(delivery.attempts.map((a) => a.statusCode)).toEqual([503, 503, 204]);
    } finally {
      receiver.respond = previous;
    }
  });

  it('a redirect is a failure and is not followed', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/redirect`);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/redirect' ? { status: 302, headers: { location: `${receiver.url}/redirect-target` } } : previous(req));
    try {
      const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      await receiver.waitFor(() => receiver.on('/redirect').length >= 1);
      await untilWebhooksSettled(app);
      expect(receiver.on('/redirect-target')).toEqual([]);
      const attempt = await app.deps.prisma.webhookAttempt.findFirstOrThrow({
        where: { delivery: { attendeeId: res.body.id } },
        orderBy: { attemptNumber: 'asc' },
      });
      expect(attempt).toMatchObject({ statusCode: 302, errorClass: 'redirect', error: `redirect (302) to ${receiver.url}/redirect-target not followed` });
    } finally {
      receiver.respond = previous;
    }
  });

  it('a slow receiver is a timeout attempt', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/slow`);
    const previous = receiver.respond;
    receiver.respond = (req) => (req.path === '/slow' ? { status: 200, delayMs: 1_500 } : previous(req));
    try {
      const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
      await expect
        .poll(() => app.deps.prisma.webhookAttempt.findFirst({ where: { delivery: { attendeeId: res.body.id } }, orderBy: { attemptNumber: 'asc' } }), {
          timeout: 5_000,
        })
        .toMatchObject({ statusCode: null, errorClass: 'timeout', error: 'no complete answer within 400 ms' });
      const attempt = await app.deps.prisma.webhookAttempt.findFirstOrThrow({
        where: { delivery: { attendeeId: res.body.id } },
        orderBy: { attemptNumber: 'asc' },
      });
      expect(attempt.durationMs).toBeGreaterThanOrEqual(390);
      expect(attempt.durationMs).toBeLessThan(1_400);
    } finally {
      receiver.respond = previous;
    }
  });
});

describe('redelivery, test pings and rotation', () => {
  it('redeliverWebhook re-sends with the same delivery id and a fresh signature, logged as manual', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint, secret } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/redeliver`);
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    await receiver.waitFor(() => receiver.on('/redeliver').length === 1);
    const delivery = await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    await untilNextSecond(); // a fresh webhook-timestamp
    const data = await graphqlOk(
      app.url,
      'mutation ($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { id status attempts { attemptNumber manual statusCode } } }',
      { token: seed.owner.token, variables: { id: delivery.id } },
    );
    expect(data.redeliverWebhook).toEqual({
      id: delivery.id,
      status: 'SUCCEEDED',
      attempts: [
        { attemptNumber: 1, manual: false, statusCode: 200 },
        { attemptNumber: 2, manual: true, statusCode: 200 },
      ],
    });
    const [first, second] = receiver.on('/redeliver');
    expect(second!.headers['x-eventogate-delivery']).toBe(first!.headers['x-eventogate-delivery']);
    expect(second!.body).toBe(first!.body);
    expect(Number(second!.headers['webhook-timestamp'])).toBeGreaterThan(Number(first!.headers['webhook-timestamp']));
    expect(second!.headers['webhook-signature']).not.toBe(first!.headers['webhook-signature']);
    expect(new Webhook(secret).verify(second!.body, second!.headers as Record<string, string>)).toMatchObject({ attendee_id: res.body.id });
  });

  it('sendTestWebhook sends a signed sample payload to one endpoint', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint, secret } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/ping`, { eventId: seed.event.id });
    const data = await graphqlOk(
      app.url,
      'mutation ($id: ID!) { sendTestWebhook(input: { endpointId: $id }) { id isTest status attempts { statusCode manual } } }',
      {
        token: seed.owner.token,
        variables: { id: endpoint.id },
      },
    );
    expect(data.sendTestWebhook).toMatchObject({ isTest: true, status: 'SUCCEEDED', attempts: [{ statusCode: 200, manual: true }] });
    const [ping] = receiver.on('/ping');
    expect(verifyWebhook(ping!.body, String(ping!.headers['x-eventogate-signature']), secret)).toBe(true);
    expect(Object.keys(ping!.json)).toEqual(SEED_PAYLOAD_KEYS);
    expect(ping!.json).toMatchObject({ trigger: 'attendee.registered', event_id: seed.event.id, event_name: 'Q1 Product Workshop', first_name: 'Sarah' });
  });

  it('sendTestWebhook and redeliverWebhook take `id` like every mutation on one object; the first names still work, not both at once', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/renamed`);
    const token = seed.owner.token;
    const ping = await graphqlOk(app.url, 'mutation ($id: ID!) { sendTestWebhook(input: { id: $id }) { id status } }', {
      token,
      variables: { id: endpoint.id },
    });
    expect(ping.sendTestWebhook.status).toBe('SUCCEEDED');
    const again = await graphqlOk(app.url, 'mutation ($id: ID!) { redeliverWebhook(input: { id: $id }) { id attempts { manual statusCode } } }', {
      token,
      variables: { id: ping.sendTestWebhook.id },
    });
    expect(again.redeliverWebhook).toEqual({
      id: ping.sendTestWebhook.id,
      attempts: [
        { manual: true, statusCode: 200 },
        { manual: true, statusCode: 200 },
      ],
    });
    expect(receiver.on('/renamed')).toHaveLength(2);

    const neither = await graphql(app.url, 'mutation { sendTestWebhook(input: {}) { id } }', { token });
    expect(neither.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', errors: { id: ['The id field is required.'] } } });
    const both = await graphql(app.url, 'mutation ($id: ID!) { redeliverWebhook(input: { id: $id, deliveryId: $id }) { id } }', {
      token,
      variables: { id: ping.sendTestWebhook.id },
    });
    expect(both.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', errors: { deliveryId: ['The deliveryId field is deprecated: send id only.'] } },
    });
    // Nothing was sent for the refused calls.
    expect(receiver.on('/renamed')).toHaveLength(2);
    // The schema says which name to use.
    const schema = await graphqlOk(app.url, '{ __type(name: "SendTestWebhookInput") { inputFields(includeDeprecated: true) { name isDeprecated } } }', {
      token,
    });
    expect(schema.__type.inputFields).toEqual(
      expect.arrayContaining([
        { name: 'id', isDeprecated: false },
        { name: 'endpointId', isDeprecated: true },
      ]),
    );
    expect(schema.__type.inputFields).toHaveLength(2);
  });

  it('webhookDeliveries filters by status, and counts what it filters', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/filtered`);
    const token = seed.owner.token;
    await graphqlOk(app.url, 'mutation ($id: ID!) { sendTestWebhook(input: { id: $id }) { id } }', { token, variables: { id: endpoint.id } });
    await app.deps.prisma.webhookDelivery.create({
      data: {
        id: 'whd_01kfiltered0000000000000000',
        endpointId: endpoint.id,
        trigger: 'ATTENDEE_REGISTERED',
        emissionId: 'emi_filtered',
        payload: '{}',
        status: 'FAILED',
        nextAttemptAt: null,
      },
    });
    const query = 'query ($id: ID!, $status: DeliveryStatus) { webhookDeliveries(endpointId: $id, status: $status) { totalCount edges { node { status } } } }';
    const failed = await graphqlOk(app.url, query, { token, variables: { id: endpoint.id, status: 'FAILED' } });
    expect(failed.webhookDeliveries).toEqual({ totalCount: 1, edges: [{ node: { status: 'FAILED' } }] });
    const all = await graphqlOk(app.url, query, { token, variables: { id: endpoint.id } });
    expect(all.webhookDeliveries.totalCount).toBe(2);
  });

  it('after rotateWebhookSecret with no overlap, deliveries verify with the new secret only', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { endpoint, secret: oldSecret } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/rotate`);
    const data = await graphqlOk(app.url, 'mutation ($id: ID!) { rotateWebhookSecret(input: { id: $id, overlapSeconds: 0 }) { secret endpoint { id } } }', {
      token: seed.owner.token,
      variables: { id: endpoint.id },
    });
    const newSecret = data.rotateWebhookSecret.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    const [hook] = await receiver.waitFor(() => receiver.on('/rotate').length === 1).then(() => receiver.on('/rotate'));
    const signature = String(hook!.headers['x-eventogate-signature']);
    expect(verifyWebhook(hook!.body, signature, newSecret)).toBe(true);
    expect(verifyWebhook(hook!.body, signature, oldSecret)).toBe(false);
    expect(() => new Webhook(oldSecret).verify(hook!.body, hook!.headers as Record<string, string>)).toThrow();
  });
});
