import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * Issue 31: the dashboard's CSV export is a download link (createAttendeesExport), streamed like REST's export —
 * the former attendeesCsv answered the whole file as one GraphQL string (60 MB at 300,000 attendees).
 */
let app: TestApp;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;

beforeAll(async () => {
  app = await startTestApp();
  seed = await createSeedShapedEvent(app.deps);
  for (let i = 0; i < 5; i++) {
    expect((await postRegistration(app.url, seed.event.id, registrationBody({ custom_data: { company: `Co ${i}` } }), { key: seed.liveKey })).status).toBe(201);
  }
  expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.testKey })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

const EXPORT = 'mutation ($id: ID!) { createAttendeesExport(input: { eventId: $id }) { url expiresAt } }';

async function link(token: string, eventId = seed.event.id): Promise<{ url: string; expiresAt: string }> {
  return (await graphqlOk(app.url, EXPORT, { token, variables: { id: eventId } })).createAttendeesExport;
}

describe('createAttendeesExport', () => {
  it('answers a link, good for five minutes, to the same file as the REST export, streamed without credentials', async () => {
    const before = Date.now();
    const { url, expiresAt } = await link(seed.owner.token);
    expect(url).toMatch(new RegExp(`^${app.url}/downloads/attendees\\.csv\\?token=${seed.event.id}\\.ses_[0-9a-z]{26}\\.\\d+\\.[\\w-]{43}$`));
    expect(new Date(expiresAt).getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 299_000);
    expect(new Date(expiresAt).getTime()).toBeLessThanOrEqual(Date.now() + 300_000);

    const file = await http(url);
    const rest = await http(`${app.url}/v1/events/${seed.event.id}/registrations.csv`, { headers: { authorization: `Bearer ${seed.liveKey}` } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="q1-product-workshop-attendees.csv"');
    expect(file.headers.get('cache-control')).toBe('no-store');
    expect(file.text.split('\n')).toHaveLength(1 + 5 + 1);
    expect(file.text).toBe(rest.text);
    // The export is audited as the member who asked for the link.
    const exporters = async () =>
      (await app.deps.prisma.auditEntry.findMany({ where: { organisationId: seed.owner.organisationId, action: 'attendees.exported_csv' } })).map(
        (e) => e.actorId,
      );
    await expect.poll(exporters).toContain(seed.owner.userId);
  });

  it('a test key’s link exports test registrations only', async () => {
    const res = await graphql(app.url, EXPORT, { token: seed.testKey, variables: { id: seed.event.id } });
    const file = await http((res.data as { createAttendeesExport: { url: string } }).createAttendeesExport.url);
    expect(file.text.trim().split('\n')).toHaveLength(2);
  });

  it('refuses a link that was altered, has expired, or whose session ended; another organisation’s event is not found', async () => {
    const { url } = await link(seed.owner.token);
    const other = await createSeedShapedEvent(app.deps);
    // The same signature on another event: not a link.
    const altered = url.replace(seed.event.id, other.event.id);
    expect(await http(altered)).toMatchObject({ status: 404, body: { error: 'not_found', message: 'This is not a download link.' } });
    expect(await http(`${app.url}/downloads/attendees.csv?token=nonsense`)).toMatchObject({ status: 404 });
    expect(await http(`${app.url}/downloads/attendees.csv`)).toMatchObject({ status: 404 });

    const nowMs = app.deps.clock.nowMs;
    app.deps.clock.nowMs = () => nowMs.call(app.deps.clock) + 301_000;
    try {
      expect(await http(url)).toMatchObject({
        status: 403,
        body: { error: 'link_expired', message: 'This download link has expired. Start the download again.' },
      });
    } finally {
      app.deps.clock.nowMs = nowMs;
    }

    const foreign = await graphql(app.url, EXPORT, { token: other.owner.token, variables: { id: seed.event.id } });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    expect((await graphqlOk(app.url, 'mutation { logOut }', { token: seed.owner.token })).logOut).toBe(true);
    expect(await http(url)).toMatchObject({
      status: 403,
      body: {
        error: 'link_revoked',
        message: 'The session or API key that made this link is no longer valid. Log in and start the download again.',
      },
    });
  });
});
