import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idToUuid } from '../../src/lib/ids.ts';
import { deleteWebhookEndpoint } from '../../src/modules/webhooks/webhooks.service.ts';
import { deliveriesFor, startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { http } from '../support/http.ts';
import { decodeQrPng } from '../support/qr.ts';
import { getJson, postRegistration, registrationBody, SEED_REQUEST } from '../support/rest.ts';
import { createEndpoint } from '../support/webhooks.ts';

let app: TestApp;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;
beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  seed = await createSeedShapedEvent(app.deps);
});
afterAll(async () => {
  await app?.stop();
});

/** The documented 201 body's keys, in the documented order. */
const SEED_RESPONSE_KEYS = [
  'id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'country',
  'status',
  'ticket_type',
  'ticket_type_slug',
  'qr_code_url',
  'qr_token',
  'registered_at',
  'checked_in_at',
  'registration_source',
  'custom_data',
  'custom_fields',
];

describe('POST /v1/events/{event_id}/registrations', () => {
  it('the seed page’s curl example answers 201 with the documented body, field for field', async () => {
    const before = Date.now();
    const res = await postRegistration(app.url, seed.event.id, SEED_REQUEST, { key: seed.liveKey });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Object.keys(res.body)).toEqual(SEED_RESPONSE_KEYS);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^att_[0-9a-z]{26}$/),
      first_name: 'Sarah',
      last_name: 'Chen',
      email: 'sarah@example.com',
      phone: '+1234567890',
      country: 'US',
      status: 'registered',
      ticket_type: 'General Admission',
      ticket_type_slug: 'general',
      qr_code_url: expect.stringMatching(new RegExp(`^${app.url}/qr/att_[0-9a-z]{26}\\.png\\?sig=[A-Za-z0-9_-]{32}$`)),
      qr_token: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      registered_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      checked_in_at: null,
      registration_source: 'api',
      custom_data: { company: 'Acme Corp', job_title: 'Product Manager' },
      custom_fields: [
        { field_key: 'company', field_label: 'Company', field_type: 'text' },
        { field_key: 'job_title', field_label: 'Job Title', field_type: 'text' },
      ],
    });
    const registeredAt = Date.parse(`${res.body.registered_at.replace(' ', 'T')}Z`);
    expect(registeredAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(registeredAt).toBeLessThanOrEqual(Date.now());
    expect(res.headers.get('location')).toBe(`${app.url}/v1/events/${seed.event.id}/registrations/${res.body.id}`);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);

    const stored = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(stored).toMatchObject({
      eventId: seed.event.id,
      organisationId: seed.owner.organisationId,
      email: 'sarah@example.com',
      emailNormalized: 'sarah@example.com',
      status: 'REGISTERED',
      source: 'API',
      testMode: false,
      apiKeyId: seed.liveKeyId,
      qrToken: res.body.qr_token,
    });

    // No webhook endpoint listens, so there is nothing to deliver (test/webhooks covers delivery).
    expect(await deliveriesFor(app, res.body.id)).toEqual([]);
  });

  it('gives the default ticket type when ticket_type_slug is omitted, and custom_fields only for the keys sent', async () => {
    const res = await postRegistration(app.url, seed.event.id, registrationBody({ custom_data: { job_title: 'CTO' } }), { key: seed.liveKey });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ticket_type: 'General Admission',
      ticket_type_slug: 'general',
      phone: null,
      country: null,
      custom_data: { job_title: 'CTO' },
      custom_fields: [{ field_key: 'job_title', field_label: 'Job Title', field_type: 'text' }],
    });
  });

  it('addresses the event by its plain UUID too, and normalises the country code', async () => {
    const res = await postRegistration(app.url, idToUuid(seed.event.id), registrationBody({ ticket_type_slug: 'vip', country: 'gb' }), {
      key: seed.liveKey,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ticket_type: 'VIP', ticket_type_slug: 'vip', country: 'GB' });
    expect(res.headers.get('location')).toContain(`/v1/events/${seed.event.id}/registrations/`);
  });

  it('accepts the legacy X-API-Key header', async () => {
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { headers: { 'x-api-key': seed.liveKey } });
    expect(res.status).toBe(201);
  });

  it('a test key registers in the sandbox: flagged, separate from live, no follow-up job', async () => {
    // An endpoint listens, so a live registration does fan out (nobody answers on port 9: it just fails).
    const listening = await createEndpoint(app.deps, seed.owner.actor, 'http://127.0.0.1:9/sandbox', { triggers: ['ATTENDEE_REGISTERED'] });
    const email = `sandbox.${Date.now()}@example.com`;
    const test = await postRegistration(app.url, seed.event.id, registrationBody({ email }), { key: seed.testKey });
    expect(test.status).toBe(201);
    // The same email is still free in live mode: duplicates are counted per mode.
    const live = await postRegistration(app.url, seed.event.id, registrationBody({ email }), { key: seed.liveKey });
    expect(live.status).toBe(201);

    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: test.body.id } })).testMode).toBe(true);
    expect(await deliveriesFor(app, live.body.id)).toHaveLength(1);
    expect(await deliveriesFor(app, test.body.id)).toEqual([]);
    await deleteWebhookEndpoint(app.deps, { actor: seed.owner.actor, input: { id: listening.endpoint.id } });

    const liveList = await getJson(app.url, `/v1/events/${seed.event.id}/registrations?limit=100&email=${email}`, seed.liveKey);
    expect(liveList.body.data.map((a: { id: string }) => a.id)).toEqual([live.body.id]);
    const testList = await getJson(app.url, `/v1/events/${seed.event.id}/registrations?limit=100`, seed.testKey);
    expect(testList.body.data.map((a: { id: string }) => a.id)).toEqual([test.body.id]);
    expect((await getJson(app.url, `/v1/events/${seed.event.id}/registrations/${test.body.id}`, seed.liveKey)).status).toBe(404);
  });
});

describe('GET registrations', () => {
  it('returns one registration in the 201 shape', async () => {
    const created = await postRegistration(app.url, seed.event.id, registrationBody({ custom_data: { company: 'Initech' } }), { key: seed.liveKey });
    const res = await getJson(app.url, `/v1/events/${seed.event.id}/registrations/${created.body.id}`, seed.liveKey);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
  });

  it('pages with a cursor and filters by status, ticket type, email and search', async () => {
    const fresh = await createSeedShapedEvent(app.deps);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await postRegistration(
        app.url,
        fresh.event.id,
        registrationBody({ first_name: i === 3 ? 'Grace' : 'Ada', email: `person${i}@example.com`, ticket_type_slug: i % 2 ? 'vip' : 'general' }),
        { key: fresh.liveKey },
      );
      ids.push(res.body.id);
    }
    const seen: string[] = [];
    let path = `/v1/events/${fresh.event.id}/registrations?limit=3`;
    for (let page = 0; page < 5; page++) {
      const res = await getJson(app.url, path, fresh.liveKey);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['data', 'next_cursor']);
      seen.push(...res.body.data.map((a: { id: string }) => a.id));
      if (!res.body.next_cursor) break;
      path = `/v1/events/${fresh.event.id}/registrations?limit=3&cursor=${res.body.next_cursor}`;
    }
    expect(seen).toEqual(ids);

    const list = async (query: string) =>
      (await getJson(app.url, `/v1/events/${fresh.event.id}/registrations?${query}`, fresh.liveKey)).body.data.map((a: { id: string }) => a.id);
    expect(await list('ticket_type_slug=vip')).toEqual([ids[1], ids[3], ids[5]]);
    expect(await list('email=PERSON4@example.com')).toEqual([ids[4]]);
    expect(await list('q=grac')).toEqual([ids[3]]);
    expect(await list('status=registered&limit=2')).toEqual(ids.slice(0, 2));
    expect(await list('status=checked_in')).toEqual([]);
  });
});

describe('QR codes', () => {
  it('qr_code_url serves a PNG that decodes to the qr_token, never stored by caches (it is the ticket); a wrong signature is 404', async () => {
    const created = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    const response = await fetch(created.body.qr_code_url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(decodeQrPng(Buffer.from(await response.arrayBuffer()))).toBe(created.body.qr_token);

    const etag = response.headers.get('etag')!;
    const revalidated = await fetch(created.body.qr_code_url, { headers: { 'if-none-match': etag } });
    expect(revalidated.status).toBe(304);

    const url = new URL(created.body.qr_code_url);
    for (const bad of [`${url.origin}${url.pathname}`, `${url.origin}${url.pathname}?sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`]) {
      const res = await http(bad);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not_found', message: 'QR code not found.' });
    }
  });
});

describe('public form', () => {
  it('GET /v1/public/events/{id} gives a form what it needs, with CORS and rate-limit headers', async () => {
    const res = await http(`${app.url}/v1/public/events/${seed.event.id}`, { headers: { origin: 'https://example.org' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('ratelimit-limit')).toBe('120');
    expect(res.body).toEqual({
      id: seed.event.id,
      name: 'Q1 Product Workshop',
      description: null,
      // In the event's zone (Europe/London, +00:00 in March), with the offset.
      starts_at: '2027-03-01T09:00:00+00:00',
      ends_at: '2027-03-01T17:00:00+00:00',
      timezone: 'Europe/London',
      venue: null,
      status: 'published',
      registration_open: true,
      registration_opens_at: null,
      registration_closes_at: '2027-03-01T17:00:00+00:00',
      ticket_types: [
        { slug: 'general', name: 'General Admission', is_default: true, waitlist: false, requires_approval: false },
        { slug: 'vip', name: 'VIP', is_default: false, waitlist: false, requires_approval: false },
      ],
      custom_fields: [
        { field_key: 'company', field_label: 'Company', field_type: 'text', required: false, options: [], show_if: null, ticket_type_slugs: [] },
        { field_key: 'job_title', field_label: 'Job Title', field_type: 'text', required: false, options: [], show_if: null, ticket_type_slugs: [] },
      ],
    });
  });

  it('gives times in the event’s own zone with its offset, so a form shows the event’s hour', async () => {
    const summer = await createSeedShapedEvent(app.deps, {
      timezone: 'America/New_York',
      startsAt: new Date('2027-06-01T13:00:00Z'),
      endsAt: new Date('2027-06-01T21:30:00Z'),
    });
    const res = await http<any>(`${app.url}/v1/public/events/${summer.event.id}`);
    expect(res.body).toMatchObject({
      starts_at: '2027-06-01T09:00:00-04:00',
      ends_at: '2027-06-01T17:30:00-04:00',
      timezone: 'America/New_York',
      registration_closes_at: '2027-06-01T17:30:00-04:00',
    });
    expect(new Date(res.body.starts_at).toISOString()).toBe('2027-06-01T13:00:00.000Z');
  });

  it('POST registers with registration_source "form" and no key', async () => {
    const res = await http<any>(`${app.url}/v1/public/events/${seed.event.id}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://example.org' },
      body: JSON.stringify(registrationBody({ custom_data: { company: 'Hooli' } })),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.body.registration_source).toBe('form');
    expect(res.headers.get('ratelimit-limit')).toBe('10');
    expect(res.headers.get('ratelimit-remaining')).toMatch(/^\d+$/);
  });

  it('answers the CORS preflight', async () => {
    const res = await fetch(`${app.url}/v1/public/events/${seed.event.id}/registrations`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('draft events are not public', async () => {
    const draft = await createSeedShapedEvent(app.deps, { status: 'DRAFT' });
    expect((await http(`${app.url}/v1/public/events/${draft.event.id}`)).status).toBe(404);
    const res = await http(`${app.url}/v1/public/events/${draft.event.id}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(registrationBody()),
    });
    expect(res.status).toBe(404);
    // …but integrators may test against a draft with their key.
    expect((await postRegistration(app.url, draft.event.id, registrationBody(), { key: draft.liveKey })).status).toBe(201);
  });
});

describe('OpenAPI', () => {
  it('serves OpenAPI 3.1 for every route, with the seed’s examples', async () => {
    const res = await http<any>(`${app.url}/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths).sort()).toEqual([
      '/events/{event_id}/check-ins',
      '/events/{event_id}/registrations',
      '/events/{event_id}/registrations.csv',
      '/events/{event_id}/registrations/{attendee_id}',
      '/events/{event_id}/scan-conflicts',
      '/public/events/{event_id}',
      '/public/events/{event_id}/registrations',
      '/public/waitlist-offers/{token}/claim',
      '/qr/{file}',
      '/scanner/occupancy',
      '/scanner/scans',
      '/scanner/sync',
    ]);
    const post = res.body.paths['/events/{event_id}/registrations'].post;
    expect(post.requestBody.content['application/json'].examples.seed.value).toEqual(SEED_REQUEST);
    expect(post.responses['422'].content['application/json'].examples.duplicateEmail.value).toEqual({
      message: 'The given data was invalid.',
      errors: { email: ['This email has already been registered for this event.'] },
    });
    const schema = res.body.components.schemas.RegistrationRequest;
    expect(schema.required.sort()).toEqual(['email', 'first_name', 'last_name']);
    expect(schema.properties.first_name.maxLength).toBe(100);
    expect(res.body.servers).toEqual([{ url: `${app.url}/v1` }]);
  });
});
