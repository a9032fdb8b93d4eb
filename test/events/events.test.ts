import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestEvent, createUser, type TestUser } from '../support/factories.ts';
import { graphql, graphqlOk } from '../support/http.ts';

let app: TestApp;
let owner: TestUser;
beforeAll(async () => {
  app = await startTestApp();
  owner = await createUser(app.deps);
});
afterAll(async () => {
  await app?.stop();
});

const EVENT_FIELDS = `id name description startsAt endsAt timezone venue capacity status registrationOpensAt registrationClosesAt
  apiConfirmationEmails confirmationEmails ticketTypes { id name slug capacity isDefault position }
  customFields { id fieldKey fieldLabel fieldType required options position }`;
const CREATE_EVENT = `mutation ($input: CreateEventInput!) { createEvent(input: $input) { ${EVENT_FIELDS} } }`;
const UPDATE_EVENT = `mutation ($input: UpdateEventInput!) { updateEvent(input: $input) { ${EVENT_FIELDS} } }`;
const CREATE_TICKET_TYPE = `mutation ($input: CreateTicketTypeInput!) { createTicketType(input: $input) { id name slug capacity isDefault position } }`;
const UPDATE_TICKET_TYPE = `mutation ($input: UpdateTicketTypeInput!) { updateTicketType(input: $input) { id slug isDefault } }`;
const CREATE_FIELD = `mutation ($input: CreateCustomFieldInput!) { createCustomField(input: $input) { id fieldKey fieldLabel fieldType required options position } }`;

const baseEvent = {
  name: 'Q1 Product Workshop',
  startsAt: '2027-03-01T09:00:00Z',
  endsAt: '2027-03-01T17:00:00Z',
  timezone: 'Europe/Berlin',
};

describe('createEvent', () => {
  it('creates a published event with its default ticket type "General Admission" (general)', async () => {
    const { createEvent } = await graphqlOk(app.url, CREATE_EVENT, { token: owner.token, variables: { input: baseEvent } });
    expect(createEvent).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-z]{26}$/),
      name: 'Q1 Product Workshop',
      description: null,
      startsAt: '2027-03-01T09:00:00.000Z',
      endsAt: '2027-03-01T17:00:00.000Z',
      timezone: 'Europe/Berlin',
      venue: null,
      capacity: null,
      status: 'PUBLISHED',
      registrationOpensAt: null,
      registrationClosesAt: null,
      apiConfirmationEmails: false,
      confirmationEmails: true,
      ticketTypes: [{ id: expect.stringMatching(/^tkt_/), name: 'General Admission', slug: 'general', capacity: null, isDefault: true, position: 0 }],
      customFields: [],
    });
    const stored = await app.deps.prisma.event.findUniqueOrThrow({ where: { id: createEvent.id } });
    expect(stored.organisationId).toBe(owner.organisationId);
  });

  it.each([
    [{ name: '' }, { name: ['The name field is required.'] }],
    [{ name: 'x'.repeat(201) }, { name: ['The name field must not be greater than 200 characters.'] }],
    [{ timezone: 'Mars/Olympus' }, { timezone: ['The timezone field must be a valid time zone (an IANA name such as Europe/Berlin).'] }],
    [{ capacity: -1 }, { capacity: ['The capacity field must be at least 0.'] }],
    [{ endsAt: '2027-02-28T09:00:00Z' }, { endsAt: ['The ends at field must be a date after or equal to starts at.'] }],
    [
      { registrationOpensAt: '2027-02-01T00:00:00Z', registrationClosesAt: '2027-01-01T00:00:00Z' },
      { registrationClosesAt: ['The registration closes at field must be a date after or equal to registration opens at.'] },
    ],
  ])('refuses %j with the field map and creates nothing', async (override, errors) => {
    const before = await app.deps.prisma.event.count();
    const result = await graphql(app.url, CREATE_EVENT, { token: owner.token, variables: { input: { ...baseEvent, ...override } } });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors });
    expect(await app.deps.prisma.event.count()).toBe(before);
  });
});

describe('updateEvent', () => {
  it('changes only the fields sent and clears nullable ones sent as null', async () => {
    const event = await createTestEvent(app.deps, owner.actor, { venue: 'Hall A', capacity: 50 });
    const { updateEvent } = await graphqlOk(app.url, UPDATE_EVENT, {
      token: owner.token,
      variables: { input: { id: event.id, name: 'Renamed', venue: null, status: 'DRAFT', apiConfirmationEmails: true } },
    });
    expect(updateEvent).toMatchObject({ name: 'Renamed', venue: null, capacity: 50, status: 'DRAFT', apiConfirmationEmails: true });
  });

  it('checks time order against the stored times', async () => {
    const event = await createTestEvent(app.deps, owner.actor);
    const result = await graphql(app.url, UPDATE_EVENT, {
      token: owner.token,
      variables: { input: { id: event.id, endsAt: '2020-01-01T00:00:00Z' } },
    });
    expect(result.errors?.[0]?.extensions.errors).toEqual({ endsAt: ['The ends at field must be a date after or equal to starts at.'] });
  });

  it('answers NOT_FOUND for an unknown or malformed id', async () => {
    for (const id of ['evt_01jd9zzzzzzzzzzzzzzzzzzzzz', 'nonsense']) {
      const result = await graphql(app.url, UPDATE_EVENT, { token: owner.token, variables: { input: { id, name: 'X' } } });
      expect(result.errors?.[0]).toMatchObject({ message: 'Event not found.', extensions: { code: 'NOT_FOUND' } });
    }
  });
});

describe('event and events', () => {
  it('reads one event by TypeID or by its plain UUID', async () => {
    const event = await createTestEvent(app.deps, owner.actor);
    const { idToUuid } = await import('../../src/lib/ids.ts');
    for (const id of [event.id, idToUuid(event.id)]) {
      const data = await graphqlOk(app.url, 'query ($id: ID!) { event(id: $id) { id name } }', { token: owner.token, variables: { id } });
      expect(data.event).toEqual({ id: event.id, name: event.name });
    }
  });

  it('pages through the organisation’s events in start order', async () => {
    const user = await createUser(app.deps);
    const ids: string[] = [];
    for (let day = 5; day >= 1; day--) {
      const e = await createTestEvent(app.deps, user.actor, { startsAt: new Date(`2027-04-0${day}T10:00:00Z`), endsAt: new Date(`2027-04-0${day}T12:00:00Z`) });
      ids.unshift(e.id);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: any = await graphqlOk(
        app.url,
        'query ($after: String) { events(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
        { token: user.token, variables: { after } },
      );
      seen.push(...data.events.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!data.events.pageInfo.hasNextPage) break;
      after = data.events.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
  });
});

describe('ticket types', () => {
  it('adds vip-pass with capacity 5, refuses a duplicate slug, and moves the default', async () => {
    const event = await createTestEvent(app.deps, owner.actor);
    const { createTicketType } = await graphqlOk(app.url, CREATE_TICKET_TYPE, {
      token: owner.token,
      variables: { input: { eventId: event.id, name: 'VIP Pass', slug: 'vip-pass', capacity: 5 } },
    });
    expect(createTicketType).toEqual({ id: expect.stringMatching(/^tkt_/), name: 'VIP Pass', slug: 'vip-pass', capacity: 5, isDefault: false, position: 1 });

    const duplicate = await graphql(app.url, CREATE_TICKET_TYPE, {
      token: owner.token,
      variables: { input: { eventId: event.id, name: 'Again', slug: 'vip-pass' } },
    });
    expect(duplicate.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { slug: ['The slug has already been taken.'] } });

    const badSlug = await graphql(app.url, CREATE_TICKET_TYPE, {
      token: owner.token,
      variables: { input: { eventId: event.id, name: 'Bad', slug: 'Not A Slug' } },
    });
    expect(badSlug.errors?.[0]?.extensions.errors).toEqual({
      slug: ['The slug field may only contain lower-case letters, numbers, dashes and underscores.'],
    });

    await graphqlOk(app.url, UPDATE_TICKET_TYPE, { token: owner.token, variables: { input: { id: createTicketType.id, isDefault: true } } });
    const defaults = await app.deps.prisma.ticketType.findMany({ where: { eventId: event.id, isDefault: true } });
    expect(defaults.map((t) => t.slug)).toEqual(['vip-pass']);
  });

  it('will not delete the default ticket type', async () => {
    const event = await createTestEvent(app.deps, owner.actor);
    const general = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: event.id } });
    const result = await graphql(app.url, 'mutation ($id: ID!) { deleteTicketType(input: { id: $id }) }', {
      token: owner.token,
      variables: { id: general.id },
    });
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(await app.deps.prisma.ticketType.count({ where: { id: general.id } })).toBe(1);
  });

  it('deletes an unused ticket type', async () => {
    const event = await createTestEvent(app.deps, owner.actor);
    const { createTicketType } = await graphqlOk(app.url, CREATE_TICKET_TYPE, {
      token: owner.token,
      variables: { input: { eventId: event.id, name: 'Late', slug: 'late' } },
    });
    const data = await graphqlOk(app.url, 'mutation ($id: ID!) { deleteTicketType(input: { id: $id }) }', {
      token: owner.token,
      variables: { id: createTicketType.id },
    });
    expect(data.deleteTicketType).toBe(createTicketType.id);
    expect(await app.deps.prisma.ticketType.count({ where: { id: createTicketType.id } })).toBe(0);
  });
});

describe('custom fields', () => {
  it('adds company and job_title in order and shows them on the event', async () => {
    const event = await createTestEvent(app.deps, owner.actor);
    for (const [fieldKey, fieldLabel] of [
      ['company', 'Company'],
      ['job_title', 'Job Title'],
    ]) {
      await graphqlOk(app.url, CREATE_FIELD, { token: owner.token, variables: { input: { eventId: event.id, fieldKey, fieldLabel, fieldType: 'TEXT' } } });
    }
    const data = await graphqlOk(app.url, 'query ($id: ID!) { event(id: $id) { customFields { fieldKey fieldLabel fieldType required options position } } }', {
      token: owner.token,
      variables: { id: event.id },
    });
    expect(data.event.customFields).toEqual([
      { fieldKey: 'company', fieldLabel: 'Company', fieldType: 'TEXT', required: false, options: [], position: 0 },
      { fieldKey: 'job_title', fieldLabel: 'Job Title', fieldType: 'TEXT', required: false, options: [], position: 1 },
    ]);
  });

  it.each([
    [
      { fieldKey: 'Company' },
      { fieldKey: ['The field key field must start with a lower-case letter and contain only lower-case letters, numbers and underscores.'] },
    ],
    [{ fieldType: 'SELECT' }, { options: ['The options field is required when field type is SELECT or MULTI_SELECT.'] }],
    [{ fieldType: 'SELECT', options: ['a', 'a'] }, { options: ['The options field has a duplicate value.'] }],
    [{ options: ['a'] }, { options: ['The options field is prohibited when field type is TEXT.'] }],
  ])('refuses %j', async (override, errors) => {
    const event = await createTestEvent(app.deps, owner.actor);
    const input = { eventId: event.id, fieldKey: 'company', fieldLabel: 'Company', fieldType: 'TEXT', ...override };
    const result = await graphql(app.url, CREATE_FIELD, { token: owner.token, variables: { input } });
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors });
    expect(await app.deps.prisma.customField.count({ where: { eventId: event.id } })).toBe(0);
  });

  it('refuses a duplicate key and updates the label', async () => {
    const event = await createTestEvent(app.deps, owner.actor);
    const input = { eventId: event.id, fieldKey: 'diet', fieldLabel: 'Diet', fieldType: 'SELECT', options: ['none', 'vegan'] };
    const { createCustomField } = await graphqlOk(app.url, CREATE_FIELD, { token: owner.token, variables: { input } });
    const again = await graphql(app.url, CREATE_FIELD, { token: owner.token, variables: { input } });
    expect(again.errors?.[0]?.extensions.errors).toEqual({ fieldKey: ['The field key has already been taken.'] });
    const updated = await graphqlOk(
      app.url,
      'mutation ($input: UpdateCustomFieldInput!) { updateCustomField(input: $input) { fieldLabel required options } }',
      {
        token: owner.token,
        variables: { input: { id: createCustomField.id, fieldLabel: 'Dietary needs', required: true, options: ['none', 'vegan', 'halal'] } },
      },
    );
    expect(updated.updateCustomField).toEqual({ fieldLabel: 'Dietary needs', required: true, options: ['none', 'vegan', 'halal'] });
  });
});
