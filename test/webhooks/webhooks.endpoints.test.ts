import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptSecret } from '../../src/lib/crypto.ts';
import { newId } from '../../src/lib/ids.ts';
import { registerAttendee } from '../../src/modules/registrations/registrations.service.ts';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.ts';
import { addMember, createSeedShapedEvent, createTestApiKey, createTestEvent, createUser, type TestUser } from '../support/factories.ts';
import { graphql, graphqlOk } from '../support/http.ts';
import { registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

// Default configuration: private and local targets are refused.
let app: TestApp;
let owner: TestUser;
let receiver: WebhookReceiver;
beforeAll(async () => {
  app = await startTestApp();
  owner = await createUser(app.deps);
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

const CREATE = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url eventId triggers selectedFields enabled description } }
}`;

describe('createWebhookEndpoint', () => {
  it('returns the endpoint and its whsec_ secret once; the secret is stored only encrypted', async () => {
    const event = await createTestEvent(app.deps, owner.actor);
    const data = await graphqlOk(app.url, CREATE, {
      token: owner.token,
      variables: { input: { url: 'https://93.184.215.14/hooks', eventId: event.id, selectedFields: ['email'], description: 'CRM' } },
    });
    expect(data.createWebhookEndpoint).toEqual({
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      endpoint: {
        id: expect.stringMatching(/^whk_[0-9a-z]{26}$/),
        url: 'https://93.184.215.14/hooks',
        eventId: event.id,
        triggers: ['ATTENDEE_REGISTERED', 'ATTENDEE_CHECKED_IN', 'ATTENDEE_STATUS_CHANGED'],
        selectedFields: ['email'],
        enabled: true,
        description: 'CRM',
      },
    });
    const stored = await app.deps.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: data.createWebhookEndpoint.endpoint.id } });
    expect(stored.secretCiphertext).toMatch(/^v1\./);
    expect(stored.secretCiphertext).not.toContain(data.createWebhookEndpoint.secret.slice(6));
    const listed = await graphqlOk(app.url, '{ webhookEndpoints { id } }', { token: owner.token });
    expect(JSON.stringify(listed)).not.toContain('whsec_');
  });

  it.each([
    ['ftp://example.com/x', 'The url field must use http or https.'],
    ['not a url', 'The url field must be a valid URL.'],
    ['https://user:pass@93.184.215.14/', 'The url field must not contain credentials.'],
  ])('refuses %s', async (url, message) => {
    const result = await graphql(app.url, CREATE, { token: owner.token, variables: { input: { url } } });
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { url: [message] } });
  });

  it('refuses unknown selected fields and empty trigger lists', async () => {
    const result = await graphql(app.url, CREATE, {
      token: owner.token,
      variables: { input: { url: 'https://93.184.215.14/', selectedFields: ['password'], triggers: [] } },
    });
    expect(result.errors?.[0]?.extensions.errors).toEqual({
      'selectedFields.0': [expect.stringMatching(/^The selected fields\.0 field may only name payload keys: event_id, event_name/)],
      triggers: ['The triggers field must have at least 1 items.'],
    });
  });

  // The SSRF table of the webhooks issue: all refused when saved, by default.
  it.each([
    ['http://127.0.0.1/hook', '127.0.0.1 is a loopback address'],
    ['http://localhost:3000/hook', 'localhost'],
    ['http://10.1.2.3/hook', '10.1.2.3 is a private address'],
    ['http://172.16.5.4/hook', '172.16.5.4 is a private address'],
    ['http://192.168.1.10/hook', '192.168.1.10 is a private address'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a linkLocal address'],
    ['http://100.64.0.1/hook', '100.64.0.1 is a carrierGradeNat address'],
    ['http://[::1]/hook', '::1 is a loopback address'],
    ['http://[fc00::1]/hook', 'fc00::1 is a uniqueLocal address'],
    ['http://[fe80::1]/hook', 'fe80::1 is a linkLocal address'],
    ['http://[::ffff:127.0.0.1]/hook', '127.0.0.1 is a loopback address'],
    ['http://2130706433/hook', '127.0.0.1 is a loopback address'],
    ['http://0.0.0.0/hook', '0.0.0.0 is a unspecified address'],
  ])('refuses %s', async (url, reason) => {
    const result = await graphql(app.url, CREATE, { token: owner.token, variables: { input: { url } } });
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions.errors?.url?.[0]).toContain(reason);
    // …and tells a developer receiving webhooks on their own machine what to set.
    expect(result.errors?.[0]?.extensions.errors?.url?.[0]).toMatch(
      /\(for local development, the server can be started with WEBHOOK_ALLOW_PRIVATE_TARGETS=true\)\.$/,
    );
  });

  it('checks the address again when connecting: a private target that got saved is never contacted', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    for (const url of [`${receiver.url}/literal`, `${receiver.url.replace('127.0.0.1', 'localhost')}/by-name`]) {
      await app.deps.prisma.webhookEndpoint.create({
        data: {
          id: newId('webhookEndpoint'),
          organisationId: seed.owner.organisationId,
          url,
          triggers: ['ATTENDEE_REGISTERED'],
          secretCiphertext: encryptSecret('whsec_c2VjcmV0', TEST_SECRET_KEY),
        },
      });
    }
    const actor = seed.liveActor;
    const { attendee } = await registerAttendee(app.deps, { actor, eventId: seed.event.id, input: registrationBody(), source: 'API' });
    await expect
      .poll(
        async () =>
          (
            await app.deps.prisma.webhookAttempt.findMany({
              where: { delivery: { attendeeId: attendee.id }, attemptNumber: 1, NOT: { errorClass: 'in_flight' } },
            })
          ).length,
        { timeout: 5_000 },
      )
      .toBe(2);
    const attempts = await app.deps.prisma.webhookAttempt.findMany({ where: { delivery: { attendeeId: attendee.id }, attemptNumber: 1 } });
    expect(attempts.map((a) => a.errorClass)).toEqual(['blocked_target', 'blocked_target']);
    // The address the endpoint names itself is named back; the one a name resolved to never is (security round two).
    expect(attempts.map((a) => a.error).sort()).toEqual([
      'refused to connect: 127.0.0.1 is a loopback address',
      'refused to connect: must not point to a private or special-purpose address (localhost resolves to a loopback address)',
    ]);
    expect(receiver.received).toEqual([]);
  });
});

describe('managing endpoints', () => {
  it('updates, disables, rotates and deletes', async () => {
    const created = await graphqlOk(app.url, CREATE, { token: owner.token, variables: { input: { url: 'https://93.184.215.14/a' } } });
    const id = created.createWebhookEndpoint.endpoint.id;
    const updated = await graphqlOk(
      app.url,
      'mutation ($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { url enabled triggers description } }',
      {
        token: owner.token,
        variables: { input: { id, url: 'https://93.184.215.14/b', enabled: false, triggers: ['ATTENDEE_CHECKED_IN'], description: null } },
      },
    );
    expect(updated.updateWebhookEndpoint).toEqual({ url: 'https://93.184.215.14/b', enabled: false, triggers: ['ATTENDEE_CHECKED_IN'], description: null });
    const badUrl = await graphql(app.url, 'mutation ($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { url } }', {
      token: owner.token,
      variables: { input: { id, url: 'http://10.0.0.1/' } },
    });
    expect(badUrl.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const deleted = await graphqlOk(app.url, 'mutation ($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) }', { token: owner.token, variables: { id } });
    expect(deleted.deleteWebhookEndpoint).toBe(id);
    expect(await app.deps.prisma.webhookEndpoint.count({ where: { id } })).toBe(0);
  });
});

describe('who may manage endpoints', () => {
  const operations: Array<[string, string, (ids: { endpoint: string; delivery: string }) => Record<string, unknown>]> = [
    ['webhookEndpoints', '{ webhookEndpoints { id } }', () => ({})],
    ['webhookDeliveries', 'query ($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { id } } } }', (ids) => ({ id: ids.endpoint })],
    ['createWebhookEndpoint', 'mutation { createWebhookEndpoint(input: { url: "https://93.184.215.14/" }) { secret } }', () => ({})],
    ['updateWebhookEndpoint', 'mutation ($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { id } }', (ids) => ({ id: ids.endpoint })],
    ['deleteWebhookEndpoint', 'mutation ($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) }', (ids) => ({ id: ids.endpoint })],
    ['rotateWebhookSecret', 'mutation ($id: ID!) { rotateWebhookSecret(input: { id: $id }) { secret } }', (ids) => ({ id: ids.endpoint })],
    ['sendTestWebhook', 'mutation ($id: ID!) { sendTestWebhook(input: { endpointId: $id }) { id } }', (ids) => ({ id: ids.endpoint })],
    ['redeliverWebhook', 'mutation ($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { id } }', (ids) => ({ id: ids.delivery })],
  ];

  async function fixture() {
    const created = await graphqlOk(app.url, CREATE, { token: owner.token, variables: { input: { url: 'https://93.184.215.14/x' } } });
    const endpoint = created.createWebhookEndpoint.endpoint.id;
    const delivery = newId('webhookDelivery');
    await app.deps.prisma.webhookDelivery.create({
      data: { id: delivery, endpointId: endpoint, trigger: 'ATTENDEE_REGISTERED', emissionId: 'emi_x', payload: '{}' },
    });
    return { endpoint, delivery };
  }

  it.each(operations)('another organisation cannot %s (NOT_FOUND, as if it did not exist), and nothing changes', async (name, document, variables) => {
    const ids = await fixture();
    const stranger = await createUser(app.deps);
    const before = await app.deps.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: ids.endpoint } });
    const result = await graphql(app.url, document, { token: stranger.token, variables: variables(ids) });
    if (name === 'webhookEndpoints' || name === 'createWebhookEndpoint') {
      expect(result.errors).toBeUndefined();
      expect(JSON.stringify(result.data)).not.toContain(ids.endpoint);
    } else {
      expect(result.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    }
    expect(await app.deps.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: ids.endpoint } })).toEqual(before);
  });

  it.each(operations)('STAFF and API keys cannot %s', async (_name, document, variables) => {
    const ids = await fixture();
    const staff = await addMember(app.deps, owner.organisationId, 'STAFF');
    const key = await createTestApiKey(app.deps, owner.actor);
    for (const token of [staff.token, key.secret]) {
      const result = await graphql(app.url, document, { token, variables: variables(ids) });
      expect(result.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    }
  });

  it('an event of another organisation cannot scope an endpoint', async () => {
    const stranger = await createUser(app.deps);
    const foreign = await createTestEvent(app.deps, stranger.actor);
    const result = await graphql(app.url, CREATE, { token: owner.token, variables: { input: { url: 'https://93.184.215.14/', eventId: foreign.id } } });
    expect(result.errors?.[0]).toMatchObject({ message: 'Event not found.', extensions: { code: 'NOT_FOUND' } });
  });
});
