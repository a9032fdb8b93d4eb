import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideLocally } from '../../scanner/local.ts';
import type { Synced } from '../../scanner/store.ts';
import { offerToken } from '../../src/modules/attendees/index.ts';
import { updateEvent } from '../../src/modules/events/events.service.ts';
import { expireOffers } from '../../src/modules/registrations/waitlist.ts';
import { updateTicketType } from '../../src/modules/ticket-types/ticket-types.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { untilJobsSettled, untilWebhooksSettled } from '../support/jobs.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { SmtpSink } from '../support/smtp-sink.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * Issue 29: waitlists (AUTO, OFFER) and approval, through REST, GraphQL, the claim link, emails, webhooks and the
 * door, on real PostgreSQL, a real SMTP receiver and a real webhook receiver.
 */
let app: TestApp;
let smtp: SmtpSink;
let receiver: WebhookReceiver;
beforeAll(async () => {
  smtp = await new SmtpSink().start();
  receiver = await new WebhookReceiver().start();
  app = await startTestApp({ SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.stop();
  await receiver?.stop();
});

type Seed = Awaited<ReturnType<typeof createSeedShapedEvent>>;

async function seedWith(ticketType: Record<string, unknown>, path: string, triggers?: string[]) {
  const seed = await createSeedShapedEvent(app.deps);
  await updateEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id, apiConfirmationEmails: true } });
  const general = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'general' } });
  await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: general.id, ...ticketType } });
  await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}${path}`, triggers ? { triggers } : {});
  return { seed, general };
}

const register = (seed: Seed, email: string, extra: Record<string, unknown> = {}) =>
  postRegistration(app.url, seed.event.id, registrationBody({ email, ...extra }), { key: seed.liveKey });

async function statuses(eventId: string) {
  return await app.deps.prisma.attendee.findMany({ where: { eventId }, orderBy: [{ waitlistRank: 'asc' }, { registeredAt: 'asc' }] });
}

async function setStatus(seed: Seed, attendeeId: string, status: string) {
  return await graphqlOk(app.url, 'mutation($id: ID!, $s: AttendeeStatus!) { setAttendeeStatus(input: {attendeeId: $id, status: $s}) { id status } }', {
    token: seed.owner.token,
    variables: { id: attendeeId, s: status },
  });
}

/** The first mail to `email` whose subject starts so (a notice overtaken by events is not sent, so counts vary). */
/** Every email job done (sent, or given up as overtaken). */
const untilEmailsSent = async () => await untilJobsSettled(app, ['emails.confirmation'], 30_000);

async function mailTo(email: string, subject: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const mail = smtp.to(email).find((m) => m.subject?.startsWith(subject));
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no mail "${subject}…" to ${email}: ${smtp.to(email).map((m) => m.subject)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const claim = (token: string) => http<any>(`${app.url}/v1/public/waitlist-offers/${token}/claim`, { method: 'POST' });

describe('waitlist AUTO', () => {
  it('full: 30 at once for the last 5 seats → 5 registered, 25 in line; then 10 cancellations racing 10 newcomers promote exactly the first 10', async () => {
    const { seed } = await seedWith({ capacity: 15, waitlist: 'AUTO' }, '/auto');
    const early: Array<{ body: any }> = [];
    for (let i = 0; i < 10; i++) early.push(await register(seed, `early${i}.${Date.now()}@example.com`));
    const emails = Array.from({ length: 30 }, (_, i) => `auto${i}.${Date.now()}@example.com`);
    const first = await Promise.all(emails.map((email) => register(seed, email)));
    expect(first.map((r) => r.status)).toEqual(Array(30).fill(201));
    const registered = first.filter((r) => r.body.status === 'registered');
    const waitlisted = first.filter((r) => r.body.status === 'waitlisted');
    expect(registered).toHaveLength(5);
    expect(waitlisted).toHaveLength(25);
    for (const r of waitlisted) {
      expect(r.body.qr_token).toBeNull();
      expect(r.body.qr_code_url).toBeNull();
    }
    for (const r of registered) expect(r.body).not.toHaveProperty('waitlist_position');
    // Every place from 1 to 25 exactly once, and the line's order is the order the answers gave.
    expect(waitlisted.map((r) => r.body.waitlist_position).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const line = (await statuses(seed.event.id)).filter((a) => a.status === 'WAITLISTED');
    const byPosition = [...waitlisted].sort((a, b) => a.body.waitlist_position - b.body.waitlist_position).map((r) => r.body.id);
    expect(line.map((a) => a.id)).toEqual(byPosition);

    // A newcomer one at a time goes to the end, in order.
    const late = await register(seed, `late.${Date.now()}@example.com`);
    expect(late.body).toMatchObject({ status: 'waitlisted', waitlist_position: 26 });
    const got = await http<any>(`${app.url}/v1/events/${seed.event.id}/registrations/${late.body.id}`, {
      headers: { Authorization: `Bearer ${seed.liveKey}` },
    });
    expect(got.body).toMatchObject({ status: 'waitlisted', waitlist_position: 26, qr_token: null });

    // 10 cancellations racing 10 new registrations.
    const head = line.slice(0, 10).map((a) => a.id);
    const newcomers = Array.from({ length: 10 }, (_, i) => `new${i}.${Date.now()}@example.com`);
    const [, racing] = await Promise.all([
      Promise.all(early.map((r) => setStatus(seed, r.body.id, 'CANCELLED'))),
      Promise.all(newcomers.map((email) => register(seed, email))),
    ]);
    expect(racing.map((r) => r.body.status)).toEqual(Array(10).fill('waitlisted'));

    const after = await statuses(seed.event.id);
    const nowRegistered = after.filter((a) => a.status === 'REGISTERED').map((a) => a.id);
    expect(nowRegistered.sort()).toEqual([...registered.map((r) => r.body.id), ...head].sort());
    expect(after.filter((a) => ['REGISTERED', 'CHECKED_IN', 'NO_SHOW', 'OFFERED'].includes(a.status))).toHaveLength(15);
    // The rest keep their order: the 15 behind the head, then the late one, then the newcomers.
    const stillWaiting = after.filter((a) => a.status === 'WAITLISTED').map((a) => a.id);
    expect(stillWaiting.slice(0, 16)).toEqual([...line.slice(10).map((a) => a.id), late.body.id]);
    expect(stillWaiting).toHaveLength(26);

    // attendee.registered: once per seat taken, the ten promoted included; nobody waiting hears anything new.
    // Every delivery the engine will ever make for this organisation, made: "no more" is then a fact.
    await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId, timeoutMs: 30_000 });
    const registeredHooks = receiver.on('/auto').filter((h) => h.json.trigger === 'attendee.registered');
    expect(registeredHooks.map((h) => h.json.attendee_id).sort()).toEqual(
      [...early, ...registered]
        .map((r) => r.body.id)
        .concat(head)
        .sort(),
    );
    expect(receiver.on('/auto').some((h) => h.json.trigger === 'attendee.waitlisted')).toBe(false);
    const promotedEmail = after.find((a) => a.id === head[0])!.email;
    expect(
      after
        .filter((a) => a.status === 'CANCELLED')
        .map((a) => a.id)
        .sort(),
    ).toEqual(early.map((r) => r.body.id).sort());
    await mailTo(promotedEmail, `Your registration for ${seed.event.name}`);
    const waitingEmail = after.find((a) => a.id === stillWaiting[0])!.email;
    const notice = await mailTo(waitingEmail, `You're on the waitlist for ${seed.event.name}`);
    expect(notice.text).toContain('This is not a ticket');
    expect(notice.text).toMatch(/You are number \d+ in line\./);
    await untilEmailsSent();
    // The promoted got their ticket (their waitlist notice too, unless the seat came first); those still waiting, the notice only.
    expect(smtp.to(promotedEmail).map((m) => m.subject)).toContain(`Your registration for ${seed.event.name}`);
    for (const id of stillWaiting) {
      const email = after.find((a) => a.id === id)!.email;
      expect(smtp.to(email).map((m) => m.subject)).toEqual([`You're on the waitlist for ${seed.event.name}`]);
    }

    // Stats count the line apart from the seats.
    const stats = await graphqlOk(app.url, 'query($id: ID!) { event(id: $id) { stats { registered waitlisted } ticketTypes { slug waitlistedCount } } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    expect(stats.event.stats).toEqual({ registered: 15, waitlisted: 26 });
    expect(stats.event.ticketTypes.find((t: { slug: string }) => t.slug === 'general').waitlistedCount).toBe(26);
  }, 60_000);

  it('with the waitlist off, a full type answers the seed’s 422 exactly as before', async () => {
    const { seed } = await seedWith({ capacity: 1 }, '/off');
    expect((await register(seed, `off1.${Date.now()}@example.com`)).status).toBe(201);
    const full = await register(seed, `off2.${Date.now()}@example.com`);
    expect(full.status).toBe(422);
    expect(full.body).toEqual({ message: 'The given data was invalid.', errors: { ticket_type_slug: ['Ticket type "general" is sold out.'] } });
  });
});

describe('waitlist OFFER', () => {
  it('a freed seat is offered to the first in line; expiry (clock moved, no sleep) offers it to the next; late claim 410; claiming twice is one registration', async () => {
    const { seed, general } = await seedWith({ capacity: 1, waitlist: 'OFFER', offerHours: 2 }, '/offer');
    const a = await register(seed, `oa.${Date.now()}@example.com`);
    const b = await register(seed, `ob.${Date.now()}@example.com`);
    const c = await register(seed, `oc.${Date.now()}@example.com`);
    expect([a.body.status, b.body.status, c.body.status]).toEqual(['registered', 'waitlisted', 'waitlisted']);

    await setStatus(seed, a.body.id, 'CANCELLED');
    let rows = await statuses(seed.event.id);
    const offeredB = rows.find((r) => r.id === b.body.id)!;
    expect(offeredB.status).toBe('OFFERED');
    expect(Math.abs(offeredB.offerExpiresAt!.getTime() - (Date.now() + 2 * 3_600_000))).toBeLessThan(60_000);
    expect(rows.find((r) => r.id === c.body.id)!.status).toBe('WAITLISTED');
    // The offer email carries the claim link; the seat is held (nobody new gets it).
    const offerMail = await mailTo(b.body.email, 'A seat is free');
    const tokenB = offerToken(app.deps.secretKey, { ...offeredB, offerExpiresAt: offeredB.offerExpiresAt! });
    expect(offerMail!.text).toContain(`/waitlist-offers/${tokenB}`);
    expect((await register(seed, `od.${Date.now()}@example.com`)).body.status).toBe('waitlisted');
    const page = await http<string>(`${app.url}/waitlist-offers/${tokenB}`);
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('Claim my seat');

    // Two hours and more later, by the database's clock as the job would read it.
    expect(await expireOffers(app.deps, new Date(Date.now() + 3 * 3_600_000))).toBe(1);
    rows = await statuses(seed.event.id);
    expect(rows.find((r) => r.id === b.body.id)!.status).toBe('CANCELLED');
    const offeredC = rows.find((r) => r.id === c.body.id)!;
    expect(offeredC.status).toBe('OFFERED');
    const late = await claim(tokenB);
    expect(late.status).toBe(410);
    expect(late.body).toEqual({ error: 'gone', message: 'This offer has expired; the seat went to the next person on the waitlist.' });

    const tokenC = offerToken(app.deps.secretKey, { ...offeredC, offerExpiresAt: offeredC.offerExpiresAt! });
    const [one, two] = await Promise.all([claim(tokenC), claim(tokenC)]);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(one.body).toMatchObject({ id: c.body.id, status: 'registered' });
    expect(one.body.qr_token).toEqual(expect.any(String));
    expect(two.body).toEqual(one.body);
    await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId, timeoutMs: 30_000 });
    expect(receiver.on('/offer').filter((h) => h.json.trigger === 'attendee.registered' && h.json.attendee_id === c.body.id)).toHaveLength(1);
    expect((await claim('att_00000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await claim(`${c.body.id}.${'A'.repeat(43)}`)).status).toBe(404);
    expect(general.slug).toBe('general');
  }, 30_000);
});

describe('approval', () => {
  it('pending holds no seat; approving past capacity is refused, or queued first in line with the waitlist on; decline fires status_changed', async () => {
    const { seed, general } = await seedWith({ capacity: 1, requiresApproval: true }, '/approval', [
      'ATTENDEE_REGISTERED',
      'ATTENDEE_STATUS_CHANGED',
      'ATTENDEE_PENDING_APPROVAL',
    ]);
    const [p1, p2, p3] = await Promise.all(['p1', 'p2', 'p3'].map((n) => register(seed, `${n}.${Date.now()}@example.com`)));
    for (const p of [p1!, p2!, p3!]) {
      expect(p.status).toBe(201);
      expect(p.body).toMatchObject({ status: 'pending_approval', qr_token: null, qr_code_url: null });
    }
    const mail = await mailTo(p1!.body.email, `We received your request for ${seed.event.name}`);
    expect(mail.text).toContain('This is not a confirmation and not a ticket');
    const stats = async () =>
      (
        await graphqlOk(app.url, 'query($id: ID!) { event(id: $id) { stats { registered pendingApproval declined waitlisted } } }', {
          token: seed.owner.token,
          variables: { id: seed.event.id },
        })
      ).event.stats;
    expect(await stats()).toEqual({ registered: 0, pendingApproval: 3, declined: 0, waitlisted: 0 });

    const approve = (id: string) =>
      graphql(app.url, 'mutation($id: ID!) { approveAttendee(input: {attendeeId: $id}) { id status waitlistPosition qrToken } }', {
        token: seed.owner.token,
        variables: { id },
      });
    const ok = await approve(p1!.body.id);
    expect(ok.data?.approveAttendee).toMatchObject({ status: 'REGISTERED', waitlistPosition: null, qrToken: expect.any(String) });
    const ticket = await mailTo(p1!.body.email, `Your registration for ${seed.event.name}`);
    expect(ticket.attachments.map((a) => a.filename)).toContain('qr-code.png');
    const refused = await approve(p2!.body.id);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: { attendeeId: ['Ticket type "general" is sold out: raise its capacity or free a seat to approve this request.'] },
    });
    expect(await stats()).toMatchObject({ registered: 1, pendingApproval: 2 });

    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: general.id, waitlist: 'AUTO' } });
    const queued = await approve(p2!.body.id);
    expect(queued.data?.approveAttendee).toMatchObject({ status: 'WAITLISTED', waitlistPosition: 1, qrToken: null });

    const declined = await graphqlOk(
      app.url,
      'mutation($id: ID!) { declineAttendee(input: {attendeeId: $id, reason: "The room holds only partners."}) { status } }',
      {
        token: seed.owner.token,
        variables: { id: p3!.body.id },
      },
    );
    expect(declined.declineAttendee.status).toBe('DECLINED');
    const declineMail = await mailTo(p3!.body.email, `Your request for ${seed.event.name} was declined`);
    expect(declineMail.text).toContain("The organiser's reason: The room holds only partners.");
    await receiver.waitFor(
      () => receiver.on('/approval').some((h) => h.json.trigger === 'attendee.status_changed' && h.json.attendee_id === p3!.body.id),
      30_000,
    );
    const hooks = receiver.on('/approval');
    expect(hooks.filter((h) => h.json.trigger === 'attendee.pending_approval')).toHaveLength(3);
    expect(hooks.find((h) => h.json.attendee_id === p3!.body.id && h.json.trigger === 'attendee.status_changed')!.json.status).toBe('declined');
    expect(await stats()).toEqual({ registered: 1, pendingApproval: 0, declined: 1, waitlisted: 1 });
  }, 30_000);
});

describe('the door', () => {
  it('refuses waitlisted, pending and declined tickets online and offline, with the reason', async () => {
    const { seed } = await seedWith({ capacity: 1, waitlist: 'AUTO' }, '/door');
    const holder = await register(seed, `dh.${Date.now()}@example.com`);
    const waiting = await register(seed, `dw.${Date.now()}@example.com`);
    expect(waiting.body.status).toBe('waitlisted');
    const row = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: waiting.body.id } });
    const online = await http<any>(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${seed.liveKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ qr_token: row.qrToken }),
    });
    expect(online.status).toBe(422);
    expect(online.body.errors.qr_token).toEqual(['This person is on the waitlist and has no ticket yet.']);

    const synced = (status: string) =>
      ({
        event: { id: seed.event.id, name: 'x', ticket_codes: 'random' },
        device: { id: 'dev', zone_id: null },
        devices: [],
        zones: [],
        signing_keys: [],
        revoked_codes: [],
        attendees: {},
        status,
      }) as unknown as Synced;
    const { sha256Hex } = await import('../../scanner/local.ts');
    for (const status of ['waitlisted', 'pending_approval', 'declined', 'offered'] as const) {
      const attendee = {
        id: row.id,
        token_sha256: await sha256Hex(row.qrToken),
        first_name: 'A',
        last_name: 'B',
        ticket_type: 'General',
        status,
        checked_in_at: null,
        zone_id: null,
      };
      const decision = await decideLocally(row.qrToken, synced(status), new Map([[attendee.token_sha256, attendee]]), {});
      expect(decision).toMatchObject({ outcome: 'rejected', reason: status });
    }
    expect(holder.body.status).toBe('registered');
  });
});

describe('every source, every tool', () => {
  it('the public form and the dashboard join the line; test keys have their own; erasure frees an offered seat; offers and moves by hand', async () => {
    const { seed, general } = await seedWith({ capacity: 1, waitlist: 'OFFER' }, '/tools');
    await updateEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id, status: 'PUBLISHED', publicForm: true } });
    expect((await register(seed, `t0.${Date.now()}@example.com`)).body.status).toBe('registered');

    // The public form says the type is full with its waitlist open, and its registration joins the line.
    const form = await http<any>(`${app.url}/v1/public/events/${seed.event.id}`);
    expect(form.body.ticket_types.find((t: { slug: string }) => t.slug === 'general')).toEqual({
      slug: 'general',
      name: 'General Admission',
      is_default: true,
      waitlist: true,
      requires_approval: false,
    });
    expect(form.body.registration_open).toBe(true);
    const viaForm = await http<any>(`${app.url}/v1/public/events/${seed.event.id}/registrations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(registrationBody({ email: `form.${Date.now()}@example.com` })),
    });
    expect(viaForm.status).toBe(201);
    expect(viaForm.body).toMatchObject({ status: 'waitlisted', waitlist_position: 1, registration_source: 'form', qr_token: null });

    // The dashboard's registration too, with its place.
    const viaDashboard = await graphqlOk(
      app.url,
      'mutation($e: ID!, $m: String!) { registerAttendee(input: {eventId: $e, firstName: "Dash", lastName: "Board", email: $m}) { id status waitlistPosition qrToken } }',
      { token: seed.owner.token, variables: { e: seed.event.id, m: `dash.${Date.now()}@example.com` } },
    );
    expect(viaDashboard.registerAttendee).toMatchObject({ status: 'WAITLISTED', waitlistPosition: 2, qrToken: null });

    // A test key has its own seats and its own line.
    const test1 = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.testKey });
    const test2 = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.testKey });
    expect([test1.body.status, test2.body.status]).toEqual(['registered', 'waitlisted']);
    expect(test2.body.waitlist_position).toBe(1);

    // The line in order through GraphQL; a move puts the dashboard's registration first.
    const line = async () =>
      (
        await graphqlOk(
          app.url,
          'query($e: ID!, $t: ID!) { waitlist(eventId: $e, ticketTypeId: $t, first: 10) { totalCount edges { node { id waitlistPosition } } } }',
          { token: seed.owner.token, variables: { e: seed.event.id, t: general.id } },
        )
      ).waitlist;
    expect(await line()).toEqual({
      totalCount: 2,
      edges: [{ node: { id: viaForm.body.id, waitlistPosition: 1 } }, { node: { id: viaDashboard.registerAttendee.id, waitlistPosition: 2 } }],
    });
    await graphqlOk(app.url, 'mutation($id: ID!) { moveWaitlistEntry(input: {attendeeId: $id, position: 1}) { id } }', {
      token: seed.owner.token,
      variables: { id: viaDashboard.registerAttendee.id },
    });
    expect((await line()).edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([viaDashboard.registerAttendee.id, viaForm.body.id]);

    // Offered by hand: no seat is free, so the type gains one for them.
    const offered = await graphqlOk(app.url, 'mutation($id: ID!) { offerWaitlistSeat(input: {attendeeId: $id}) { status offerExpiresAt } }', {
      token: seed.owner.token,
      variables: { id: viaForm.body.id },
    });
    expect(offered.offerWaitlistSeat.status).toBe('OFFERED');
    expect((await app.deps.prisma.ticketType.findUniqueOrThrow({ where: { id: general.id } })).capacity).toBe(2);

    // Erasing the person an offer was made to frees its seat for the next in line; erased people leave the line.
    await graphqlOk(app.url, 'mutation($id: ID!) { eraseAttendee(input: {attendeeId: $id}) { id } }', {
      token: seed.owner.token,
      variables: { id: viaForm.body.id },
    });
    const rows = await statuses(seed.event.id);
    expect(rows.find((r) => r.id === viaForm.body.id)).toMatchObject({ status: 'CANCELLED', waitlistRank: null });
    expect(rows.find((r) => r.id === viaDashboard.registerAttendee.id)!.status).toBe('OFFERED');
    expect((await line()).totalCount).toBe(0);
  }, 30_000);
});

describe('imports, lists, exports and decisions by hand', () => {
  it('an import fills the seat and then the line in row order; REST filters and shows places; the CSV hides codes; approval switched off leaves requests pending', async () => {
    const { seed, general } = await seedWith({ capacity: 1, waitlist: 'AUTO' }, '/imports');
    const vip = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'vip' } });
    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: vip.id, requiresApproval: true } });
    const stamp = Date.now();
    const csv = ['first_name,last_name,email,ticket_type_slug', ...[1, 2, 3].map((n) => `Row,${n},row${n}.${stamp}@example.com,general`)].join('\n');
    const { importAttendees } = await graphqlOk(app.url, 'mutation ($input: ImportAttendeesInput!) { importAttendees(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, csv } },
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const job = await app.deps.prisma.importJob.findUniqueOrThrow({ where: { id: importAttendees.id } });
      if (job.status === 'COMPLETED') break;
      expect(job.status).not.toBe('FAILED');
      if (Date.now() > deadline) throw new Error(`import still ${job.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const imported = await app.deps.prisma.attendee.findMany({ where: { eventId: seed.event.id }, orderBy: [{ waitlistRank: 'asc' }] });
    expect(imported.map((a) => [a.lastName, a.status])).toEqual([
      ['2', 'WAITLISTED'],
      ['3', 'WAITLISTED'],
      ['1', 'REGISTERED'],
    ]);

    const auth = { Authorization: `Bearer ${seed.liveKey}` };
    const listed = await http<any>(`${app.url}/v1/events/${seed.event.id}/registrations?status=waitlisted`, { headers: auth });
    expect(listed.body.data.map((a: any) => [a.last_name, a.status, a.waitlist_position, a.qr_token])).toEqual([
      ['2', 'waitlisted', 1, null],
      ['3', 'waitlisted', 2, null],
    ]);
    const exported = await http<string>(`${app.url}/v1/events/${seed.event.id}/registrations.csv`, { headers: auth });
    const [header, ...rows] = parse(String(exported.body)) as string[][];
    const column = (name: string) => header!.indexOf(name);
    const byLastName = new Map(rows.map((r) => [r[column('last_name')], r]));
    expect(byLastName.get('2')![column('status')]).toBe('waitlisted');
    expect(byLastName.get('2')![column('qr_token')]).toBe('');
    expect(byLastName.get('1')![column('qr_token')]).toBe(imported.find((a) => a.lastName === '1')!.qrToken);

    // Removed from the line by hand: the next moves up.
    await setStatus(seed, imported[0]!.id, 'CANCELLED');
    const next = await http<any>(`${app.url}/v1/events/${seed.event.id}/registrations/${imported[1]!.id}`, { headers: auth });
    expect(next.body).toMatchObject({ status: 'waitlisted', waitlist_position: 1 });

    // A request made while approval was on stays pending when it is switched off; approving it fires attendee.registered.
    const request = await register(seed, `req.${stamp}@example.com`, { ticket_type_slug: 'vip' });
    expect(request.body.status).toBe('pending_approval');
    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: vip.id, requiresApproval: false } });
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: request.body.id } })).status).toBe('PENDING_APPROVAL');
    expect((await register(seed, `after.${stamp}@example.com`, { ticket_type_slug: 'vip' })).body.status).toBe('registered');
    await graphqlOk(app.url, 'mutation($id: ID!) { approveAttendee(input: {attendeeId: $id}) { status } }', {
      token: seed.owner.token,
      variables: { id: request.body.id },
    });
    await receiver.waitFor(
      () => receiver.on('/imports').some((h) => h.json.trigger === 'attendee.registered' && h.json.attendee_id === request.body.id),
      30_000,
    );
    expect(receiver.on('/imports').some((h) => h.json.trigger === 'attendee.pending_approval')).toBe(false);
  }, 60_000);
});

describe('a cancelled event', () => {
  it('seats nobody from its line, and its offers can no longer be claimed', async () => {
    const { seed } = await seedWith({ capacity: 1, waitlist: 'OFFER' }, '/cancelled');
    const a = await register(seed, `ca.${Date.now()}@example.com`);
    const b = await register(seed, `cb.${Date.now()}@example.com`);
    const c = await register(seed, `cc.${Date.now()}@example.com`);
    await setStatus(seed, a.body.id, 'CANCELLED');
    const offered = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: b.body.id } });
    expect(offered.status).toBe('OFFERED');
    await updateEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id, status: 'CANCELLED' } });
    const late = await claim(offerToken(app.deps.secretKey, { ...offered, offerExpiresAt: offered.offerExpiresAt! }));
    expect(late.status).toBe(410);
    expect(late.body).toEqual({ error: 'gone', message: 'This event has been cancelled.' });
    // The offer runs out: its seat is not offered to the next, who stays in line.
    await expireOffers(app.deps, new Date(Date.now() + 25 * 3_600_000));
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: c.body.id } })).status).toBe('WAITLISTED');
  });
});
