import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomField } from '../../src/modules/custom-fields/custom-fields.service.ts';
import { updateEvent } from '../../src/modules/events/events.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

let app: TestApp;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;
beforeAll(async () => {
  app = await startTestApp();
  seed = await createSeedShapedEvent(app.deps);
  const field = (fieldKey: string, fieldType: string, extra: Record<string, unknown> = {}) =>
    createCustomField(app.deps, {
      actor: seed.owner.actor,
      input: { eventId: seed.event.id, fieldKey, fieldLabel: fieldKey.replace('_', ' '), fieldType, ...extra },
    });
  await field('age', 'NUMBER');
  await field('newsletter', 'CHECKBOX');
  await field('diet', 'SELECT', { options: ['none', 'vegan'] });
  await field('topics', 'MULTI_SELECT', { options: ['ai', 'web'] });
  await field('birthday', 'DATE');
  await field('work_email', 'EMAIL');
  await field('website', 'URL');
  await field('home_country', 'COUNTRY');
});
afterAll(async () => {
  await app?.stop();
});

/** Nothing was written: no attendee, no webhook delivery and no email beyond what existed. */
async function counts() {
  return {
    attendees: await app.deps.prisma.attendee.count(),
    deliveries: await app.deps.prisma.webhookDelivery.count(),
    emails: await app.deps.prisma.emailLog.count(),
  };
}

const V = 'The given data was invalid.';

describe('the documented error bodies, byte for byte', () => {
  it('Error — Duplicate Email (422)', async () => {
    const email = `dup.${Date.now()}@example.com`;
    expect((await postRegistration(app.url, seed.event.id, registrationBody({ email }), { key: seed.liveKey })).status).toBe(201);
    const before = await counts();
    const res = await postRegistration(app.url, seed.event.id, registrationBody({ email: email.toUpperCase() }), { key: seed.liveKey });
    expect(res.status).toBe(422);
    expect(res.text).toBe('{"message":"The given data was invalid.","errors":{"email":["This email has already been registered for this event."]}}');
    // An error carries the request's headers like a success does.
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.headers.get('ratelimit-limit')).toMatch(/^\d+$/);
    expect(await counts()).toEqual(before);
  });

  it('Error — Invalid Ticket Type (422)', async () => {
    const other = await createSeedShapedEvent(app.deps);
    await app.deps.prisma.ticketType.deleteMany({ where: { eventId: other.event.id, slug: 'vip' } });
    const res = await postRegistration(app.url, other.event.id, registrationBody({ ticket_type_slug: 'vip' }), { key: other.liveKey });
    expect(res.status).toBe(422);
    expect(res.text).toBe('{"message":"The given data was invalid.","errors":{"ticket_type_slug":["Ticket type \\"vip\\" not found."]}}');
  });

  it('Validation error (422)', async () => {
    const res = await postRegistration(app.url, seed.event.id, { last_name: 'Chen' }, { key: seed.liveKey });
    expect(res.status).toBe(422);
    expect(res.text).toBe(
      '{"message":"The given data was invalid.","errors":{"email":["The email field is required."],"first_name":["The first name field is required."]}}',
    );
  });
});

describe('every validation rule, and no write on failure', () => {
  const long = (n: number) => 'x'.repeat(n);
  it.each<[string, Record<string, unknown>, Record<string, string[]>]>([
    ['missing first_name', { first_name: undefined }, { first_name: ['The first name field is required.'] }],
    ['null last_name', { last_name: null }, { last_name: ['The last name field is required.'] }],
    ['blank first_name', { first_name: '   ' }, { first_name: ['The first name field is required.'] }],
    ['first_name over 100', { first_name: long(101) }, { first_name: ['The first name field must not be greater than 100 characters.'] }],
    ['last_name over 100', { last_name: long(101) }, { last_name: ['The last name field must not be greater than 100 characters.'] }],
    ['a 100 KB first_name', { first_name: long(100_000) }, { first_name: ['The first name field must not be greater than 100 characters.'] }],
    ['first_name a number', { first_name: 42 }, { first_name: ['The first name field must be a string.'] }],
    ['first_name an array', { first_name: ['Ada'] }, { first_name: ['The first name field must be a string.'] }],
    ['NUL in last_name', { last_name: 'Love\u0000lace' }, { last_name: ['The last name field must not contain NUL characters.'] }],
    ['an invalid email', { email: 'not-an-email' }, { email: ['The email field must be a valid email address.'] }],
    ['email an object', { email: { a: 1 } }, { email: ['The email field must be a string.'] }],
    ['phone over 30', { phone: long(31) }, { phone: ['The phone field must not be greater than 30 characters.'] }],
    ['phone a number', { phone: 123 }, { phone: ['The phone field must be a string.'] }],
    ['a country that is not ISO 3166-1', { country: 'XX' }, { country: ['The country field must be an ISO 3166-1 alpha-2 country code (e.g. US, GB).'] }],
    ['a country name', { country: 'United States' }, { country: ['The country field must be an ISO 3166-1 alpha-2 country code (e.g. US, GB).'] }],
    ['an unknown top-level field', { nickname: 'Ada' }, { nickname: ['The nickname field is prohibited.'] }],
    ['custom_data an array', { custom_data: ['x'] }, { custom_data: ['The custom data field must be an object.'] }],
    [
      'an unknown custom field',
      { custom_data: { shoe_size: 42 } },
      { 'custom_data.shoe_size': ['The custom data.shoe_size field is not a registration field of this event.'] },
    ],
    ['a text field given a number', { custom_data: { company: 7 } }, { 'custom_data.company': ['The Company field must be a string.'] }],
    [
      'a text field over 500',
      { custom_data: { company: long(501) } },
      { 'custom_data.company': ['The Company field must not be greater than 500 characters.'] },
    ],
    ['a number field given words', { custom_data: { age: 'old' } }, { 'custom_data.age': ['The age field must be a number.'] }],
    ['a checkbox given a string', { custom_data: { newsletter: 'yes' } }, { 'custom_data.newsletter': ['The newsletter field must be true or false.'] }],
    ['a select outside its options', { custom_data: { diet: 'paleo' } }, { 'custom_data.diet': ['The selected diet is invalid.'] }],
    ['a multi-select with a stranger', { custom_data: { topics: ['ai', 'crypto'] } }, { 'custom_data.topics': ['The selected topics is invalid.'] }],
    ['a multi-select given a string', { custom_data: { topics: 'ai' } }, { 'custom_data.topics': ['The topics field must be an array.'] }],
    [
      'a date that does not exist',
      { custom_data: { birthday: '2001-02-30' } },
      { 'custom_data.birthday': ['The birthday field must be a valid date (YYYY-MM-DD).'] },
    ],
    [
      'an email field that is not one',
      { custom_data: { work_email: 'nope' } },
      { 'custom_data.work_email': ['The work email field must be a valid email address.'] },
    ],
    [
      'a url field with another scheme',
      { custom_data: { website: 'javascript:alert(1)' } },
      { 'custom_data.website': ['The website field must be a valid URL.'] },
    ],
    [
      'a country field that is not one',
      { custom_data: { home_country: 'ZZ' } },
      { 'custom_data.home_country': ['The home country field must be an ISO 3166-1 alpha-2 country code (e.g. US, GB).'] },
    ],
    ['NUL inside custom data', { custom_data: { company: 'A\u0000' } }, { 'custom_data.company': ['The company field must not contain NUL characters.'] }],
  ])('%s → 422', async (_case, override, errors) => {
    const before = await counts();
    const body = registrationBody(override);
    const res = await postRegistration(app.url, seed.event.id, body, { key: seed.liveKey });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ message: V, errors });
    expect(await counts()).toEqual(before);
  });

  it('reports every problem at once', async () => {
    const res = await postRegistration(app.url, seed.event.id, { email: 'bad', ticket_type_slug: 'nope', custom_data: { shoe: 1 } }, { key: seed.liveKey });
    expect(res.body).toEqual({
      message: V,
      errors: {
        email: ['The email field must be a valid email address.'],
        first_name: ['The first name field is required.'],
        last_name: ['The last name field is required.'],
        'custom_data.shoe': ['The custom data.shoe field is not a registration field of this event.'],
        ticket_type_slug: ['Ticket type "nope" not found.'],
      },
    });
  });

  it('stores valid custom data in its field types', async () => {
    const res = await postRegistration(
      app.url,
      seed.event.id,
      registrationBody({
        custom_data: {
          age: '42',
          newsletter: false,
          diet: 'vegan',
          topics: ['web', 'ai', 'web'],
          birthday: '1990-12-31',
          home_country: 'de',
          website: 'https://example.com',
        },
      }),
      { key: seed.liveKey },
    );
    expect(res.status).toBe(201);
    expect(res.body.custom_data).toEqual({
      age: 42,
      newsletter: false,
      diet: 'vegan',
      topics: ['web', 'ai'],
      birthday: '1990-12-31',
      website: 'https://example.com',
      home_country: 'DE',
    });
  });

  it('requires required custom fields, naming them by label', async () => {
    const event = await createSeedShapedEvent(app.deps);
    await createCustomField(app.deps, {
      actor: event.owner.actor,
      input: { eventId: event.event.id, fieldKey: 'consent', fieldLabel: 'Privacy consent', fieldType: 'CHECKBOX', required: true },
    });
    const missing = await postRegistration(app.url, event.event.id, registrationBody(), { key: event.liveKey });
    expect(missing.body.errors).toEqual({ 'custom_data.consent': ['The Privacy consent field is required.'] });
    const refused = await postRegistration(app.url, event.event.id, registrationBody({ custom_data: { consent: false } }), { key: event.liveKey });
    expect(refused.body.errors).toEqual({ 'custom_data.consent': ['The Privacy consent field must be accepted.'] });
    const accepted = await postRegistration(app.url, event.event.id, registrationBody({ custom_data: { consent: true } }), { key: event.liveKey });
    expect(accepted.status).toBe(201);
  });
});

describe('malformed requests', () => {
  it.each([
    ['{"first_name": "Sarah",', 'The request body is not valid JSON'],
    ['', 'The request body is not valid JSON'],
    ["{'single': 'quotes'}", 'The request body is not valid JSON'],
  ])('%j → 400 invalid_json', async (raw, message) => {
    const before = await counts();
    const res = await postRegistration(app.url, seed.event.id, raw, { key: seed.liveKey, raw: true });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_json');
    expect(res.body.message).toContain(message);
    expect(Object.keys(res.body)).toEqual(['error', 'message']);
    expect(await counts()).toEqual(before);
  });

  it('bytes that are not UTF-8 → 400 invalid_json, each time; the next valid body (non-ASCII) is read whole', async () => {
    const before = await counts();
    // 0xC3 opens a two-byte sequence that 0x28 does not continue; the decoder is one per process, so it must keep nothing.
    const invalid = Buffer.concat([Buffer.from('{"first_name": "S'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    for (let i = 0; i < 2; i++) {
      const res = await postRegistration(app.url, seed.event.id, invalid, { key: seed.liveKey, raw: true });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_json', message: 'The request body is not valid UTF-8.' });
    }
    expect(await counts()).toEqual(before);
    const ok = await postRegistration(app.url, seed.event.id, registrationBody({ first_name: 'Zoë', last_name: '陈', email: 'zoe.utf8@example.com' }), {
      key: seed.liveKey,
    });
    expect(ok.status).toBe(201);
    expect([ok.body.first_name, ok.body.last_name]).toEqual(['Zoë', '陈']);
  });

  it.each([['[1,2]'], ['"a string"'], ['null'], ['42']])('JSON that is not an object (%s) → 422 naming body', async (raw) => {
    const res = await postRegistration(app.url, seed.event.id, raw, { key: seed.liveKey, raw: true });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ message: V, errors: { body: ['The request body must be a JSON object.'] } });
  });

  it('a non-JSON content type → 415', async () => {
    const res = await postRegistration(app.url, seed.event.id, 'first_name=Sarah', {
      key: seed.liveKey,
      raw: true,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ error: 'unsupported_media_type', message: 'Send the request body as JSON with the header Content-Type: application/json.' });
  });

  it('a body over 1 MB → 413', async () => {
    const res = await postRegistration(app.url, seed.event.id, registrationBody({ first_name: 'x'.repeat(1_100_000) }), { key: seed.liveKey });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('payload_too_large');
  });

  it('invalid query parameters on the list → 422', async () => {
    const res = await fetch(`${app.url}/v1/events/${seed.event.id}/registrations?limit=500&status=lost&cursor=zzz`, {
      headers: { authorization: `Bearer ${seed.liveKey}` },
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      message: V,
      errors: { limit: ['The limit field must not be greater than 100.'], status: ['The selected status is invalid.'] },
    });
    const badCursor = await fetch(`${app.url}/v1/events/${seed.event.id}/registrations?cursor=zzz`, { headers: { authorization: `Bearer ${seed.liveKey}` } });
    expect(await badCursor.json()).toEqual({ message: V, errors: { cursor: ['The cursor is invalid; pass next_cursor from the previous page.'] } });
  });
});

describe('event state', () => {
  it.each([
    ['a cancelled event', () => ({ status: 'CANCELLED' }), 'This event has been cancelled and no longer accepts registrations.'],
    ['registration not open yet', () => ({ registrationOpensAt: new Date(Date.now() + 86_400_000) }), /^Registration for this event opens at \d{4}-/],
    [
      'registration closed',
      () => ({ registrationClosesAt: new Date(Date.now() - 1000), registrationOpensAt: new Date(Date.now() - 86_400_000) }),
      'Registration for this event is closed.',
    ],
  ])('%s → 422 on "event"', async (_case, change, message) => {
    const event = await createSeedShapedEvent(app.deps);
    await updateEvent(app.deps, { actor: event.owner.actor, input: { id: event.event.id, ...change() } });
    const res = await postRegistration(app.url, event.event.id, registrationBody(), { key: event.liveKey });
    expect(res.status).toBe(422);
    expect(res.body.errors.event[0]).toMatch(message);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: event.event.id } })).toBe(0);
  });

  it('a sold-out ticket type and a full event are 422', async () => {
    const event = await createSeedShapedEvent(app.deps, { capacity: 2 });
    await app.deps.prisma.ticketType.updateMany({ where: { eventId: event.event.id, slug: 'vip' }, data: { capacity: 1 } });
    expect((await postRegistration(app.url, event.event.id, registrationBody({ ticket_type_slug: 'vip' }), { key: event.liveKey })).status).toBe(201);
    const soldOut = await postRegistration(app.url, event.event.id, registrationBody({ ticket_type_slug: 'vip' }), { key: event.liveKey });
    expect(soldOut.body).toEqual({ message: V, errors: { ticket_type_slug: ['Ticket type "vip" is sold out.'] } });
    expect((await postRegistration(app.url, event.event.id, registrationBody(), { key: event.liveKey })).status).toBe(201);
    const full = await postRegistration(app.url, event.event.id, registrationBody(), { key: event.liveKey });
    expect(full.body).toEqual({ message: V, errors: { event: ['This event is full.'] } });
    // Test mode keeps its own count.
    expect((await postRegistration(app.url, event.event.id, registrationBody(), { key: event.testKey })).status).toBe(201);
  });
});

describe('hostile input never produces a 5xx or a partial write', () => {
  const values: unknown[] = [
    null,
    true,
    0,
    -1,
    1e308,
    [],
    {},
    [[[]]],
    { $gt: '' },
    'x'.repeat(100_000),
    '\u0000',
    '😀'.repeat(60),
    "' OR 1=1 --",
    '<script>alert(1)</script>',
  ];
  const fields = ['first_name', 'last_name', 'email', 'phone', 'country', 'ticket_type_slug', 'custom_data'];

  it.each(fields)('every odd value in %s', async (field) => {
    for (const value of values) {
      const before = await app.deps.prisma.attendee.count();
      const res = await postRegistration(app.url, seed.event.id, registrationBody({ [field]: value }), { key: seed.liveKey });
      expect([201, 422], `${field}=${JSON.stringify(value)?.slice(0, 40)} → ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
      expect(await app.deps.prisma.attendee.count()).toBe(before + (res.status === 201 ? 1 : 0));
    }
  });
});
