import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { http } from '../support/http.ts';
import type { paths } from './generated/openapi.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

/**
 * An integrator's client generated from /v1/openapi.json (openapi-typescript types in `npm run typecheck`,
 * openapi-fetch at run time): if the document and the server disagree, this stops compiling or fails here.
 */
describe('a client generated from the OpenAPI document', () => {
  it('registers, lists, retrieves, checks in and reads the public event through the typed client', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const client = createClient<paths>({ baseUrl: `${app.url}/v1`, headers: { authorization: `Bearer ${seed.liveKey}` } });
    const event_id = seed.event.id;

    const created = await client.POST('/events/{event_id}/registrations', {
      params: { path: { event_id } },
      body: { first_name: 'Sarah', last_name: 'Chen', email: 'sarah.openapi@example.com', ticket_type_slug: 'vip', custom_data: { company: 'Acme Corp' } },
    });
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('location')).toBe(`${app.url}/v1/events/${event_id}/registrations/${created.data!.id}`);
    expect(created.response.headers.get('ratelimit-remaining')).toMatch(/^\d+$/);
    const attendee = created.data!;
    expect(attendee).toMatchObject({ first_name: 'Sarah', status: 'registered', ticket_type_slug: 'vip', registration_source: 'api' });

    const duplicate = await client.POST('/events/{event_id}/registrations', {
      params: { path: { event_id } },
      body: { first_name: 'Sarah', last_name: 'Chen', email: 'sarah.openapi@example.com' },
    });
    expect(duplicate.response.status).toBe(422);
    expect(duplicate.error).toEqual({ message: 'The given data was invalid.', errors: { email: ['This email has already been registered for this event.'] } });

    const page = await client.GET('/events/{event_id}/registrations', { params: { path: { event_id }, query: { limit: 10 } } });
    expect(page.data!.data.map((a) => a.id)).toEqual([attendee.id]);
    const one = await client.GET('/events/{event_id}/registrations/{attendee_id}', { params: { path: { event_id, attendee_id: attendee.id } } });
    expect(one.data!.email).toBe('sarah.openapi@example.com');

    const checkedIn = await client.POST('/events/{event_id}/check-ins', { params: { path: { event_id } }, body: { qr_token: attendee.qr_token! } });
    expect(checkedIn.data).toMatchObject({ already_checked_in: false, attendee: { id: attendee.id, status: 'checked_in' } });
    const again = await client.POST('/events/{event_id}/check-ins', { params: { path: { event_id } }, body: { qr_token: attendee.qr_token! } });
    expect(again.data!.already_checked_in).toBe(true);

    const publicClient = createClient<paths>({ baseUrl: `${app.url}/v1` });
    const form = await publicClient.GET('/public/events/{event_id}', { params: { path: { event_id } } });
    expect(form.data!.ticket_types.map((t) => t.slug)).toEqual(['general', 'vip']);
    expect(form.data!.registration_open).toBe(true);

    const csv = await client.GET('/events/{event_id}/registrations.csv', { params: { path: { event_id } }, parseAs: 'text' });
    expect(csv.response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.data!.split(/\r?\n/)[1]).toMatch(new RegExp(`^${attendee.id},`));
  });

  it('documents every REST route the server answers, and nothing it does not', async () => {
    const { body } = await http<{ paths: Record<string, Record<string, unknown>> }>(`${app.url}/v1/openapi.json`);
    const documented = Object.entries(body.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path === '/qr/{file}' ? path : `/v1${path}`}`))
      .sort();
    // Hono's own route table: what the server really routes (health, metrics and GraphQL are not REST v1).
    const served = app.routes
      .filter((r) => r.method !== 'ALL' && (r.path.startsWith('/v1/') || r.path.startsWith('/qr/')) && r.path !== '/v1/openapi.json')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(documented).toEqual([...new Set(served)]);
  });
});
