import { typeid } from 'typeid-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createUser } from '../support/factories.ts';
import { graphql, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * "Not yours" is answered exactly as "not there" in GraphQL, so no id of another organisation can be probed;
 * a foreign row cannot even position a cursor. (REST keeps the page's documented 403 for another's event.)
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
});
afterAll(async () => {
  await app?.stop();
});

function missingLike(id: string): string {
  return typeid(id.slice(0, id.indexOf('_'))).toString();
}

describe('foreign ids', () => {
  it('every lookup answers another organisation’s id exactly as an id that does not exist', async () => {
    const victim = await createSeedShapedEvent(app.deps);
    const attendee = (await postRegistration(app.url, victim.event.id, registrationBody(), { key: victim.liveKey })).body;
    const { endpoint } = await createEndpoint(app.deps, victim.owner.actor, 'http://127.0.0.1:9/oracle');
    const job = await app.deps.prisma.importJob.create({
      data: { id: typeid('imp').toString(), organisationId: victim.owner.organisationId, eventId: victim.event.id, csv: '' },
    });
    const attacker = await createUser(app.deps);
    const probes: Array<[string, string]> = [
      ['query ($id: ID!) { attendee(id: $id) { id } }', attendee.id],
      ['query ($id: ID!) { event(id: $id) { id } }', victim.event.id],
      ['query ($id: ID!) { attendees(eventId: $id) { edges { node { id } } } }', victim.event.id],
      ['query ($id: ID!) { importJob(id: $id) { id } }', job.id],
      ['query ($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { id } } } }', endpoint.id],
      ['mutation ($id: ID!) { checkIn(input: { attendeeId: $id }) { alreadyCheckedIn } }', attendee.id],
      ['mutation ($id: ID!) { setAttendeeStatus(input: { attendeeId: $id, status: CANCELLED }) { id } }', attendee.id],
      ['mutation ($id: ID!) { sendTestWebhook(input: { endpointId: $id }) { id } }', endpoint.id],
    ];
    for (const [document, id] of probes) {
      const foreign = await graphql(app.url, document, { token: attacker.token, variables: { id } });
      const missing = await graphql(app.url, document, { token: attacker.token, variables: { id: missingLike(id) } });
      expect(foreign.errors?.[0]?.extensions.code, document).toBe('NOT_FOUND');
      expect(foreign.errors?.[0]?.message, document).toBe(missing.errors?.[0]?.message);
      expect(foreign.data, document).toEqual(missing.data);
    }
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } })).status).toBe('REGISTERED');
  });

  it('a cursor must be a row of the list being paged', async () => {
    const victim = await createSeedShapedEvent(app.deps);
    const foreignAttendee = (await postRegistration(app.url, victim.event.id, registrationBody(), { key: victim.liveKey })).body.id;
    const mine = await createSeedShapedEvent(app.deps);
    await postRegistration(app.url, mine.event.id, registrationBody(), { key: mine.liveKey });
    // A well-formed cursor (the shape endCursor has) around another organisation's row id.
    const page = await graphql(app.url, 'query ($id: ID!) { attendees(eventId: $id) { pageInfo { endCursor } } }', {
      token: mine.owner.token,
      variables: { id: mine.event.id },
    });
    const cursorFor = (id: string) => {
      const own = Buffer.from(page.data.attendees.pageInfo.endCursor, 'base64').toString('utf8');
      return Buffer.from(own.replace(/att_[0-9a-z]{26}/, id)).toString('base64');
    };
    for (const [document, variables] of [
      [
        'query ($id: ID!, $after: String) { attendees(eventId: $id, after: $after) { edges { node { id } } } }',
        { id: mine.event.id, after: cursorFor(foreignAttendee) },
      ],
      ['query ($after: String) { events(after: $after) { edges { node { id } } } }', { after: cursorFor(victim.event.id) }],
    ] as const) {
      const result = await graphql(app.url, document, { token: mine.owner.token, variables });
      expect(result.errors?.[0]?.extensions, document).toEqual({
        code: 'BAD_USER_INPUT',
        errors: { after: ['The cursor is invalid; pass endCursor from the previous page.'] },
      });
    }
  });

  it('REST keeps the documented 403 for another organisation’s event, 404 for none', async () => {
    const victim = await createSeedShapedEvent(app.deps);
    const attacker = await createSeedShapedEvent(app.deps);
    const foreign = await http(`${app.url}/v1/events/${victim.event.id}/registrations`, { headers: { authorization: `Bearer ${attacker.liveKey}` } });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({ error: 'forbidden', message: 'The event does not belong to your organisation.' });
    const none = await http(`${app.url}/v1/events/${missingLike(victim.event.id)}/registrations`, { headers: { authorization: `Bearer ${attacker.liveKey}` } });
    expect(none.status).toBe(404);
  });
});
