import { typeid } from 'typeid-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomField } from '../../src/modules/custom-fields/custom-fields.service.ts';
import { createTicketType } from '../../src/modules/ticket-types/ticket-types.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { addMember, createTestApiKey, createTestEvent, createUser, type TestUser } from '../support/factories.ts';
import { graphql } from '../support/http.ts';

let app: TestApp;
let owner: TestUser;
let stranger: TestUser;
let ids: { event: string; ticketType: string; field: string; apiKey: string };

beforeAll(async () => {
  app = await startTestApp();
  owner = await createUser(app.deps, { organisationName: 'Org A' });
  stranger = await createUser(app.deps, { organisationName: 'Org B' });
  const event = await createTestEvent(app.deps, owner.actor);
  const ticketType = await createTicketType(app.deps, { actor: owner.actor, input: { eventId: event.id, name: 'VIP', slug: 'vip' } });
  const field = await createCustomField(app.deps, {
    actor: owner.actor,
    input: { eventId: event.id, fieldKey: 'company', fieldLabel: 'Company', fieldType: 'TEXT' },
  });
  const key = await createTestApiKey(app.deps, owner.actor);
  ids = { event: event.id, ticketType: ticketType.id, field: field.id, apiKey: key.apiKey.id };
});
afterAll(async () => {
  await app?.stop();
});

/** A well-formed id of the same kind that no row has. */
function missingIdLike(id: string): string {
  return typeid(id.slice(0, id.indexOf('_'))).toString();
}

/** Everything of organisation A, to prove a refused call changed nothing. */
async function snapshotOfA() {
  const prisma = app.deps.prisma;
  return {
    events: await prisma.event.findMany({ where: { organisationId: owner.organisationId }, include: { ticketTypes: true, customFields: true } }),
    keys: await prisma.apiKey.findMany({ where: { organisationId: owner.organisationId } }),
  };
}

/** Every dashboard operation on one of A's records: [name, document, variables]. */
const operations: Array<[string, string, () => Record<string, unknown>]> = [
  ['event', 'query ($id: ID!) { event(id: $id) { id } }', () => ({ id: ids.event })],
  ['updateEvent', 'mutation ($id: ID!) { updateEvent(input: { id: $id, name: "Hijacked" }) { id } }', () => ({ id: ids.event })],
  ['deleteEvent', 'mutation ($id: ID!) { deleteEvent(input: { id: $id }) }', () => ({ id: ids.event })],
  ['createTicketType', 'mutation ($id: ID!) { createTicketType(input: { eventId: $id, name: "X", slug: "x" }) { id } }', () => ({ id: ids.event })],
  ['updateTicketType', 'mutation ($id: ID!) { updateTicketType(input: { id: $id, name: "Hijacked" }) { id } }', () => ({ id: ids.ticketType })],
  ['deleteTicketType', 'mutation ($id: ID!) { deleteTicketType(input: { id: $id }) }', () => ({ id: ids.ticketType })],
  [
    'createCustomField',
    'mutation ($id: ID!) { createCustomField(input: { eventId: $id, fieldKey: "x", fieldLabel: "X", fieldType: TEXT }) { id } }',
    () => ({ id: ids.event }),
  ],
  ['updateCustomField', 'mutation ($id: ID!) { updateCustomField(input: { id: $id, fieldLabel: "Hijacked" }) { id } }', () => ({ id: ids.field })],
  ['deleteCustomField', 'mutation ($id: ID!) { deleteCustomField(input: { id: $id }) }', () => ({ id: ids.field })],
  ['revokeApiKey', 'mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { id } }', () => ({ id: ids.apiKey })],
];

describe('another organisation', () => {
  it.each(operations)('cannot %s: the same NOT_FOUND as for an id that does not exist, and nothing changes', async (_name, document, variables) => {
    const before = await snapshotOfA();
    const result = await graphql(app.url, document, { token: stranger.token, variables: variables() });
    const missing = await graphql(app.url, document, { token: stranger.token, variables: { id: missingIdLike(variables().id as string) } });
    expect(result.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect(result.errors?.[0]?.message).toBe(missing.errors?.[0]?.message);
    expect(result.errors?.[0]?.extensions).toEqual(missing.errors?.[0]?.extensions);
    expect(await snapshotOfA()).toEqual(before);
  });

  it('sees none of A’s events or keys in its lists', async () => {
    const result = await graphql(app.url, '{ events(first: 100) { edges { node { id } } } apiKeys { id } }', { token: stranger.token });
    expect(result.errors).toBeUndefined();
    expect(result.data?.events.edges).toEqual([]);
    expect(result.data?.apiKeys).toEqual([]);
  });
});

describe('roles', () => {
  const managing = operations.filter(([name]) => name !== 'event');
  const listings: Array<[string, string, () => Record<string, unknown>]> = [
    ['apiKeys', '{ apiKeys { id } }', () => ({})],
    ['createApiKey', 'mutation { createApiKey(input: { name: "k", environment: LIVE }) { secret } }', () => ({})],
    [
      'createEvent',
      'mutation { createEvent(input: { name: "E", startsAt: "2027-01-01T00:00:00Z", endsAt: "2027-01-01T01:00:00Z", timezone: "UTC" }) { id } }',
      () => ({}),
    ],
  ];

  it.each([...managing, ...listings])('STAFF cannot %s', async (_name, document, variables) => {
    const staff = await addMember(app.deps, owner.organisationId, 'STAFF');
    const before = await snapshotOfA();
    const result = await graphql(app.url, document, { token: staff.token, variables: variables() });
    expect(result.errors?.[0]).toMatchObject({ message: 'Your role (STAFF) does not allow this action.', extensions: { code: 'FORBIDDEN' } });
    expect(await snapshotOfA()).toEqual(before);
  });

  it('STAFF can read the organisation’s events', async () => {
    const staff = await addMember(app.deps, owner.organisationId, 'STAFF');
    const result = await graphql(app.url, 'query ($id: ID!) { event(id: $id) { id } events { edges { node { id } } } viewer { role } }', {
      token: staff.token,
      variables: { id: ids.event },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ event: { id: ids.event }, events: { edges: [{ node: { id: ids.event } }] }, viewer: { role: 'STAFF' } });
  });

  it('ADMIN can manage events and keys', async () => {
    const admin = await addMember(app.deps, owner.organisationId, 'ADMIN');
    const result = await graphql(
      app.url,
      'mutation ($id: ID!) { updateEvent(input: { id: $id, venue: "Hall B" }) { venue } createApiKey(input: { name: "admin", environment: TEST }) { secret } }',
      { token: admin.token, variables: { id: ids.event } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateEvent.venue).toBe('Hall B');
    expect(result.data?.createApiKey.secret).toMatch(/^eg_test_/);
  });

  it.each(listings)('an API key cannot %s through GraphQL', async (_name, document, variables) => {
    const key = await createTestApiKey(app.deps, owner.actor);
    const result = await graphql(app.url, document, { token: key.secret, variables: variables() });
    expect(result.errors?.[0]).toMatchObject({
      message: 'API keys cannot perform this action; sign in to the dashboard as an owner or admin.',
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('an API key can read its organisation’s events and identifies itself as viewer', async () => {
    const key = await createTestApiKey(app.deps, owner.actor);
    const result = await graphql(
      app.url,
      'query ($id: ID!) { event(id: $id) { id } viewer { role user { id } apiKey { id environment } organisation { id } } }',
      {
        token: key.secret,
        variables: { id: ids.event },
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      event: { id: ids.event },
      viewer: { role: null, user: null, apiKey: { id: key.apiKey.id, environment: 'LIVE' }, organisation: { id: owner.organisationId } },
    });
  });
});
