import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireOffersJob } from '../../src/modules/registrations/waitlist.jobs.ts';
import { createTicketType, updateTicketType } from '../../src/modules/ticket-types/ticket-types.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { untilWebhooksSettled } from '../support/jobs.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { verifyWebhook } from '../support/seed-verify.mjs';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * Issue 30, access codes: hidden ticket types unlocked by a code, exact uses under concurrency, seats held for a
 * code's holders, each refusal's sentence, and the code on the attendee (REST, GraphQL, CSV, webhook) — real
 * PostgreSQL, real HTTP, a real webhook receiver.
 */
let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

type Seed = Awaited<ReturnType<typeof createSeedShapedEvent>>;

const CODE_FIELDS = 'id code maxUses usedCount reservedSeats enabled validFrom validUntil ticketTypes { slug }';

async function createCode(seed: Seed, input: Record<string, unknown>) {
  const data = await graphqlOk<any>(app.url, `mutation($input: CreateAccessCodeInput!) { createAccessCode(input: $input) { ${CODE_FIELDS} } }`, {
    token: seed.owner.token,
    variables: { input: { eventId: seed.event.id, ...input } },
  });
  return data.createAccessCode;
}

const register = (seed: Seed, extra: Record<string, unknown> = {}) => postRegistration(app.url, seed.event.id, registrationBody(extra), { key: seed.liveKey });
const refusal = (message: string) => ({ message: 'The given data was invalid.', errors: { access_code: [message] } });
const publicEvent = (seed: Seed, code?: string) =>
  http<any>(`${app.url}/v1/public/events/${seed.event.id}${code === undefined ? '' : `?access_code=${encodeURIComponent(code)}`}`);

async function speakerType(seed: Seed, extra: Record<string, unknown> = {}) {
  await updateEventPublished(seed);
  return await createTicketType(app.deps, {
    actor: seed.owner.actor,
    input: { eventId: seed.event.id, name: 'Speaker', slug: 'speaker', hidden: true, ...extra },
  });
}

async function updateEventPublished(seed: Seed) {
  await app.deps.prisma.event.update({ where: { id: seed.event.id }, data: { status: 'PUBLISHED' } });
  await app.deps.caches.events.invalidate(seed.event.id);
}

describe('access codes', () => {
  it('a hidden type is invisible and refused without its code; the code (any case) unlocks it, shows its seats and is recorded', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const speaker = await speakerType(seed, { capacity: 4 });
    const code = await createCode(seed, { code: 'Speaker-2025', ticketTypeIds: [speaker.id], maxUses: 3 });
    expect(code).toMatchObject({ code: 'Speaker-2025', maxUses: 3, usedCount: 0, reservedSeats: 0, enabled: true, ticketTypes: [{ slug: 'speaker' }] });

    // Without the code: not listed, and a registration for it is told the type does not exist.
    const plain = await publicEvent(seed);
    expect(plain.body.ticket_types.map((t: any) => t.slug)).toEqual(['general', 'vip']);
    expect(plain.body).not.toHaveProperty('access_code');
    expect(plain.body.ticket_types[0]).not.toHaveProperty('seats_left');
    expect((await register(seed, { ticket_type_slug: 'speaker' })).body).toEqual({
      message: 'The given data was invalid.',
      errors: { ticket_type_slug: ['Ticket type "speaker" not found.'] },
    });

    // With it: listed with its seats left, the code's uses left; registrations go through and carry the code.
    const unlocked = await publicEvent(seed, 'speaker-2025');
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.ticket_types.map((t: any) => [t.slug, t.seats_left])).toEqual([
      ['general', null],
      ['vip', null],
      ['speaker', 4],
    ]);
    expect(unlocked.body.access_code).toEqual({ code: 'Speaker-2025', ticket_type_slugs: ['speaker'], uses_left: 3, valid_until: null });
    const made = await register(seed, { ticket_type_slug: 'speaker', access_code: 'SPEAKER-2025' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ ticket_type_slug: 'speaker', status: 'registered', access_code: 'Speaker-2025' });
    expect(Object.keys(made.body).at(-1)).toBe('access_code');
    const fromForm = await http<any>(`${app.url}/v1/public/events/${seed.event.id}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(registrationBody({ ticket_type_slug: 'speaker', access_code: ' speaker-2025 ' })),
    });
    expect(fromForm.status).toBe(201);
    expect(fromForm.body).toMatchObject({ registration_source: 'form', access_code: 'Speaker-2025' });

    // Read back: REST, GraphQL, and the database.
    const read = await http<any>(`${app.url}/v1/events/${seed.event.id}/registrations/${made.body.id}`, {
      headers: { authorization: `Bearer ${seed.liveKey}` },
    });
    expect(read.body.access_code).toBe('Speaker-2025');
    const gql = await graphqlOk<any>(app.url, 'query($id: ID!) { attendee(id: $id) { accessCode } }', {
      token: seed.owner.token,
      variables: { id: made.body.id },
    });
    expect(gql.attendee.accessCode).toBe('Speaker-2025');
    const rows = await app.deps.prisma.attendee.findMany({ where: { eventId: seed.event.id, accessCodeId: code.id } });
    expect(rows).toHaveLength(2);

    // Registrations without a code keep the seed's body: no access_code key at all.
    const plainReg = await register(seed);
    expect(plainReg.status).toBe(201);
    expect(plainReg.body).not.toHaveProperty('access_code');
    expect(Object.keys(plainReg.body).at(-1)).toBe('custom_fields');
  });

  it('each refusal has its exact sentence on access_code, and changes nothing', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const speaker = await speakerType(seed);
    const now = app.deps.clock.nowMs();
    await createCode(seed, { code: 'ONLY-SPEAKERS', ticketTypeIds: [speaker.id] });
    await createCode(seed, { code: 'LATER', validFrom: new Date(now + 3_600_000).toISOString() });
    await createCode(seed, { code: 'SOON-OVER', validUntil: new Date(now + 3_600_000).toISOString() });
    await createCode(seed, { code: 'OFF', enabled: false });
    await createCode(seed, { code: 'ONCE', maxUses: 1 });

    const before = await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } });
    expect((await register(seed, { access_code: 'NOPE' })).body).toEqual(refusal('The access code is invalid.'));
    expect((await register(seed, { access_code: 'off' })).body).toEqual(refusal('The access code is invalid.'));
    expect((await register(seed, { access_code: 'ONLY-SPEAKERS' })).body).toEqual(refusal('The access code is not valid for this ticket type.'));
    expect((await register(seed, { access_code: 'later' })).body).toEqual(refusal('The access code is not valid yet.'));
    const once = await register(seed, { access_code: 'ONCE' });
    expect(once.body).toMatchObject({ access_code: 'ONCE' });
    expect((await register(seed, { access_code: 'once' })).body).toEqual(refusal('The access code has been used up.'));
    expect((await publicEvent(seed, 'ONCE')).body).toEqual(refusal('The access code has been used up.'));
    expect((await publicEvent(seed, 'nope')).status).toBe(422);
    expect((await register(seed, { access_code: 'x'.repeat(65) })).body.errors).toEqual({
      access_code: ['The access code field must not be greater than 64 characters.'],
    });
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(before + 1);

    // The clock moves two hours on (no sleep): SOON-OVER has expired, LATER has begun.
    const clock = app.deps.clock;
    const real = clock.nowMs.bind(clock);
    clock.nowMs = () => real() + 2 * 3_600_000;
    try {
      expect((await register(seed, { access_code: 'soon-over' })).body).toEqual(refusal('The access code has expired.'));
      expect((await publicEvent(seed, 'SOON-OVER')).body).toEqual(refusal('The access code has expired.'));
      expect((await register(seed, { access_code: 'LATER' })).status).toBe(201);
    } finally {
      clock.nowMs = real;
    }
  });

  it('exactly maxUses succeed under concurrency; a cancellation gives its use back', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const code = await createCode(seed, { code: 'FIVE', maxUses: 5 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => register(seed, { access_code: 'five' })));
    const ok = answers.filter((a) => a.status === 201);
    expect(ok).toHaveLength(5);
    for (const a of answers.filter((a) => a.status !== 201)) expect(a.body).toEqual(refusal('The access code has been used up.'));
    expect(await app.deps.prisma.attendee.count({ where: { accessCodeId: code.id } })).toBe(5);

    await graphqlOk(app.url, 'mutation($id: ID!) { setAttendeeStatus(input: {attendeeId: $id, status: CANCELLED}) { id } }', {
      token: seed.owner.token,
      variables: { id: ok[0]!.body.id },
    });
    const listed = await graphqlOk<any>(app.url, 'query($e: ID!) { accessCodes(eventId: $e) { totalCount edges { node { code usedCount } } } }', {
      token: seed.owner.token,
      variables: { e: seed.event.id },
    });
    expect(listed.accessCodes).toEqual({ totalCount: 1, edges: [{ node: { code: 'FIVE', usedCount: 4 } }] });
    const again = await Promise.all(Array.from({ length: 5 }, () => register(seed, { access_code: 'FIVE' })));
    expect(again.filter((a) => a.status === 201)).toHaveLength(1);
  });

  it('seats held for a code are never taken by the public, and are its holders’ until used', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await updateEventPublished(seed);
    const general = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'general' } });
    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: general.id, capacity: 10 } });
    await createCode(seed, { code: 'PRESS', ticketTypeIds: [general.id], reservedSeats: 3, maxUses: 5 });

    expect((await publicEvent(seed)).body.ticket_types[0]).toMatchObject({ slug: 'general' });
    const remaining = async () =>
      (
        await graphqlOk<any>(app.url, 'query($e: ID!) { event(id: $e) { ticketTypes { slug remaining } stats { capacityRemaining } } }', {
          token: seed.owner.token,
          variables: { e: seed.event.id },
        })
      ).event;
    expect((await remaining()).ticketTypes[0]).toEqual({ slug: 'general', remaining: 7 });

    const publicAnswers = await Promise.all(Array.from({ length: 12 }, () => register(seed)));
    expect(publicAnswers.filter((a) => a.status === 201)).toHaveLength(7);
    for (const a of publicAnswers.filter((a) => a.status !== 201)) {
      expect(a.body).toEqual({ message: 'The given data was invalid.', errors: { ticket_type_slug: ['Ticket type "general" is sold out.'] } });
    }
    expect((await remaining()).ticketTypes[0]).toEqual({ slug: 'general', remaining: 0 });
    expect((await publicEvent(seed, 'press')).body.ticket_types[0]).toMatchObject({ slug: 'general', seats_left: 3 });

    const holders = await Promise.all(Array.from({ length: 5 }, () => register(seed, { access_code: 'PRESS' })));
    expect(holders.filter((a) => a.status === 201)).toHaveLength(3);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, status: 'REGISTERED' } })).toBe(10);

    // A holder cancels: the seat is held for the code again, not given to the public.
    await graphqlOk(app.url, 'mutation($id: ID!) { setAttendeeStatus(input: {attendeeId: $id, status: CANCELLED}) { id } }', {
      token: seed.owner.token,
      variables: { id: holders.find((a) => a.status === 201)!.body.id },
    });
    expect((await register(seed)).status).toBe(422);
    expect((await register(seed, { access_code: 'press' })).status).toBe(201);
  });

  it('deleting a code releases its held seats to the line; a type in a code or quota cannot be deleted', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const general = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'general' } });
    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: general.id, capacity: 3, waitlist: 'AUTO' } });
    const code = await createCode(seed, { code: 'HOLD2', ticketTypeIds: [general.id], reservedSeats: 2 });
    const first = await register(seed);
    const second = await register(seed);
    expect([first.body.status, second.body.status]).toEqual(['registered', 'waitlisted']);
    await graphqlOk(app.url, 'mutation($id: ID!) { deleteAccessCode(input: {id: $id}) }', { token: seed.owner.token, variables: { id: code.id } });
    const after = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: second.body.id } });
    expect(after.status).toBe('REGISTERED');

    const vip = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'vip' } });
    await createCode(seed, { code: 'VIPONLY', ticketTypeIds: [vip.id] });
    const refused = await graphql(app.url, 'mutation($id: ID!) { deleteTicketType(input: {id: $id}) }', { token: seed.owner.token, variables: { id: vip.id } });
    expect(refused.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      errors: { id: ['The ticket type is part of a quota or an access code; take it out of them before deleting it.'] },
    });
  });

  it('a code that expires releases its held seats: the per-minute job seats the first in line (clock moved, no sleep)', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const general = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'general' } });
    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: general.id, capacity: 2, waitlist: 'AUTO' } });
    const validUntil = new Date(app.deps.clock.nowMs() + 3_600_000);
    await createCode(seed, { code: 'EARLY-PRESS', ticketTypeIds: [general.id], reservedSeats: 1, validUntil: validUntil.toISOString() });
    expect((await register(seed)).body.status).toBe('registered');
    const waiting = await register(seed);
    expect(waiting.body).toMatchObject({ status: 'waitlisted', waitlist_position: 1 });

    const clock = app.deps.clock;
    const real = clock.nowMs.bind(clock);
    const shift = validUntil.getTime() + 30_000 - real();
    clock.nowMs = () => real() + shift;
    try {
      await expireOffersJob.handler(app.deps, {}, { id: 'manual', retryCount: 0, signal: new AbortController().signal });
    } finally {
      clock.nowMs = real;
    }
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: waiting.body.id } })).status).toBe('REGISTERED');
  });

  it('bulk codes with a prefix, their CSV with use; codes of another organisation are out of reach; bad input changes nothing', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const bulk = await graphqlOk<any>(app.url, 'mutation($input: CreateAccessCodesInput!) { createAccessCodes(input: $input) { code maxUses } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, count: 50, prefix: 'VIP', maxUses: 1 } },
    });
    expect(bulk.createAccessCodes).toHaveLength(50);
    expect(new Set(bulk.createAccessCodes.map((c: any) => c.code)).size).toBe(50);
    for (const c of bulk.createAccessCodes) expect(c).toEqual({ code: expect.stringMatching(/^VIP-[A-HJKMNP-Z2-9]{10}$/), maxUses: 1 });
    const used = bulk.createAccessCodes[7].code;
    expect((await register(seed, { access_code: used.toLowerCase() })).status).toBe(201);

    const csv = await graphqlOk<any>(app.url, 'query($e: ID!) { accessCodesCsv(eventId: $e) }', { token: seed.owner.token, variables: { e: seed.event.id } });
    const rows = parse(csv.accessCodesCsv, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(50);
    expect(Object.keys(rows[0]!)).toEqual(['code', 'ticket_type_slugs', 'max_uses', 'used', 'reserved_seats', 'valid_from', 'valid_until', 'enabled']);
    expect(rows.find((r) => r.code === used)).toMatchObject({ used: '1', max_uses: '1', enabled: 'true', ticket_type_slugs: '' });
    expect(rows.filter((r) => r.used === '0')).toHaveLength(49);

    // Duplicate (any case), inconsistent rules, another organisation's event or code: refused, nothing written.
    const count = await app.deps.prisma.accessCode.count();
    const dup = await graphql(app.url, 'mutation($input: CreateAccessCodeInput!) { createAccessCode(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, code: used.toLowerCase() } },
    });
    expect(dup.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { code: ['The code has already been taken.'] } });
    const inconsistent = await graphql(app.url, 'mutation($input: CreateAccessCodeInput!) { createAccessCode(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, maxUses: 2, reservedSeats: 3 } },
    });
    expect(inconsistent.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      errors: { reservedSeats: ['The reserved seats may not be greater than max uses: seats nobody may take would stay held.'] },
    });
    const stranger = await createSeedShapedEvent(app.deps);
    const foreign = await graphql(app.url, 'mutation($input: CreateAccessCodeInput!) { createAccessCode(input: $input) { id } }', {
      token: stranger.owner.token,
      variables: { input: { eventId: seed.event.id, code: 'MINE' } },
    });
    expect(foreign.errors![0]!.extensions.code).toBe('NOT_FOUND');
    const codeId = (await app.deps.prisma.accessCode.findFirstOrThrow({ where: { eventId: seed.event.id } })).id;
    const foreignUpdate = await graphql(app.url, 'mutation($id: ID!) { updateAccessCode(input: {id: $id, enabled: false}) { id } }', {
      token: stranger.owner.token,
      variables: { id: codeId },
    });
    expect(foreignUpdate.errors![0]!.extensions.code).toBe('NOT_FOUND');
    expect(await app.deps.prisma.accessCode.count()).toBe(count);
    // A code of one event is invalid at another.
    expect((await register(stranger, { access_code: bulk.createAccessCodes[9].code })).body).toEqual(refusal('The access code is invalid.'));
  });

  it('the code reaches the CSV and, when selected, the webhook payload (signed); endpoints selecting nothing get the seed payload', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const picked = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/codes-picked`, { selectedFields: ['email', 'access_code'] });
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/codes-all`);
    await createCode(seed, { code: 'CSV-CODE' });
    const withCode = await register(seed, { access_code: 'csv-code', email: 'coded@example.com' });
    const without = await register(seed, { email: 'plain@example.com' });
    await untilWebhooksSettled(app);

    const pickedHooks = receiver.on('/codes-picked');
    expect(pickedHooks.map((h) => h.json).sort((a: any, b: any) => a.email.localeCompare(b.email))).toEqual([
      { trigger: 'attendee.registered', email: 'coded@example.com', access_code: 'CSV-CODE' },
      { trigger: 'attendee.registered', email: 'plain@example.com', access_code: null },
    ]);
    for (const hook of pickedHooks) expect(verifyWebhook(hook.body, String(hook.headers['x-eventogate-signature']), picked.secret)).toBe(true);
    for (const hook of receiver.on('/codes-all')) expect(hook.json).not.toHaveProperty('access_code');
    expect(receiver.on('/codes-all')).toHaveLength(2);

    const csv = await http<string>(`${app.url}/v1/events/${seed.event.id}/registrations.csv`, { headers: { authorization: `Bearer ${seed.liveKey}` } });
    const rows = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!).slice(12, 15)).toEqual(['qr_token', 'access_code', 'company']);
    expect(rows.find((r) => r.id === withCode.body.id)!.access_code).toBe('CSV-CODE');
    expect(rows.find((r) => r.id === without.body.id)!.access_code).toBe('');

    // An event without codes exports the documented columns only.
    const other = await createSeedShapedEvent(app.deps);
    await register(other);
    const plainCsv = await http<string>(`${app.url}/v1/events/${other.event.id}/registrations.csv`, { headers: { authorization: `Bearer ${other.liveKey}` } });
    expect(plainCsv.text.split('\n')[0]).not.toContain('access_code');
  });
});
