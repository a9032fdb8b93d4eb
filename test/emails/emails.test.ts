import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateEvent } from '../../src/modules/events/events.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createUser } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { untilJobsSettled } from '../support/jobs.ts';
import { decodeQrPng } from '../support/qr.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { SmtpSink } from '../support/smtp-sink.ts';

let app: TestApp;
let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await new SmtpSink().start();
  app = await startTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'EventoGate <tickets@example.org>' });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.stop();
});

async function seedWithEmails(overrides: Record<string, unknown> = {}) {
  const seed = await createSeedShapedEvent(app.deps, { venue: 'Main Hall, 1 Example Street', ...overrides });
  await updateEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id, apiConfirmationEmails: true } });
  return seed;
}

describe('confirmation email', () => {
  it('one mail per API registration: subject, both parts, inline QR that decodes to the qr_token, and an .ics', async () => {
    const seed = await seedWithEmails();
    const email = `conf.${Date.now()}@example.com`;
    const res = await postRegistration(app.url, seed.event.id, registrationBody({ email, first_name: 'Sarah', last_name: 'Chen', ticket_type_slug: 'vip' }), {
      key: seed.liveKey,
    });
    expect(res.status).toBe(201);
    const [mail] = await smtp.waitFor(email);
    expect(mail!.subject).toBe('Your registration for Q1 Product Workshop');
    expect(mail!.from?.value).toEqual([{ name: 'EventoGate', address: 'tickets@example.org' }]);

    // 09:00–17:00 UTC on 1 March 2027 is the same in London (GMT).
    for (const part of [mail!.text!, mail!.html as string]) {
      expect(part).toContain('Q1 Product Workshop');
      expect(part).toContain('Monday, 1 March 2027, 09:00–17:00 GMT');
      expect(part).toContain('Main Hall, 1 Example Street');
      expect(part).toContain('Sarah Chen');
      expect(part).toContain('VIP');
      expect(part).toContain(res.body.qr_code_url.replaceAll('&', part === mail!.html ? '&amp;' : '&'));
    }

    const qr = mail!.attachments.find((a) => a.contentType === 'image/png');
    expect(qr?.cid).toBeTruthy();
    expect(mail!.html).toContain(`src="cid:${qr!.cid}"`);
    expect(decodeQrPng(qr!.content)).toBe(res.body.qr_token);

    const ics = mail!.attachments.find((a) => a.filename === 'event.ics');
    expect(ics?.contentType).toBe('text/calendar');
    const calendar = ics!.content.toString('utf8').replace(/\r\n /g, '');
    expect(calendar).toMatch(/^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/);
    expect(calendar).toContain(`UID:${res.body.id}@eventogate\r\n`);
    expect(calendar).toContain('DTSTART:20270301T090000Z\r\n');
    expect(calendar).toContain('DTEND:20270301T170000Z\r\n');
    expect(calendar).toContain('SUMMARY:Q1 Product Workshop\r\n');
    expect(calendar).toContain('LOCATION:Main Hall\\, 1 Example Street\r\n');
    expect(calendar).toMatch(/END:VEVENT\r\nEND:VCALENDAR\r\n$/);

    await expect.poll(async () => (await app.deps.prisma.emailLog.findFirst({ where: { attendeeId: res.body.id } }))?.status).toBe('SENT');
    const log = await app.deps.prisma.emailLog.findFirstOrThrow({ where: { attendeeId: res.body.id } });
    expect(log).toMatchObject({
      kind: 'confirmation',
      to: email,
      subject: 'Your registration for Q1 Product Workshop',
      attempts: 1,
      error: null,
      providerMessageId: mail!.messageId,
    });
    expect(smtp.to(email)).toHaveLength(1);
  });

  it('escapes HTML in what attendees and organisers typed', async () => {
    const seed = await seedWithEmails({ name: 'Launch <b>Party</b>' });
    const email = `xss.${Date.now()}@example.com`;
    await postRegistration(app.url, seed.event.id, registrationBody({ email, first_name: '<script>alert(1)</script>', last_name: 'O"Brien & Co' }), {
      key: seed.liveKey,
    });
    const [mail] = await smtp.waitFor(email);
    const html = mail!.html as string;
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; O&quot;Brien &amp; Co');
    expect(html).toContain('Launch &lt;b&gt;Party&lt;/b&gt;');
    expect(mail!.text).toContain('<script>alert(1)</script> O"Brien & Co');
  });

  it('is not sent when the event’s API setting is off, or for a test key', async () => {
    const off = await createSeedShapedEvent(app.deps);
    const offEmail = `off.${Date.now()}@example.com`;
    expect((await postRegistration(app.url, off.event.id, registrationBody({ email: offEmail }), { key: off.liveKey })).status).toBe(201);
    const on = await seedWithEmails();
    const testEmail = `sandbox.${Date.now()}@example.com`;
    expect((await postRegistration(app.url, on.event.id, registrationBody({ email: testEmail }), { key: on.testKey })).status).toBe(201);
    await untilJobsSettled(app, ['emails.confirmation']);
    expect(smtp.to(offEmail)).toEqual([]);
    expect(smtp.to(testEmail)).toEqual([]);
    expect(await app.deps.prisma.emailLog.count({ where: { to: { in: [offEmail, testEmail] } } })).toBe(0);
  });

  it('the public form sends per the event’s confirmation setting (on by default)', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const post = (email: string) =>
      http(`${app.url}/v1/public/events/${seed.event.id}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(registrationBody({ email })),
      });
    const sent = `form.${Date.now()}@example.com`;
    expect((await post(sent)).status).toBe(201);
    await smtp.waitFor(sent);
    await updateEvent(app.deps, { actor: seed.owner.actor, input: { id: seed.event.id, confirmationEmails: false } });
    const silent = `form.off.${Date.now()}@example.com`;
    expect((await post(silent)).status).toBe(201);
    await untilJobsSettled(app, ['emails.confirmation']);
    expect(smtp.to(silent)).toEqual([]);
    expect(await app.deps.prisma.emailLog.count({ where: { to: silent } })).toBe(0);
  });

  it('an SMTP outage during registration delays the mail; it arrives once the server is back', async () => {
    const seed = await seedWithEmails();
    const email = `outage.${Date.now()}@example.com`;
    await smtp.stop();
    try {
      expect((await postRegistration(app.url, seed.event.id, registrationBody({ email }), { key: seed.liveKey })).status).toBe(201);
      await expect
        .poll(async () => (await app.deps.prisma.emailLog.findFirst({ where: { to: email } }))?.attempts, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(1);
      const failing = await app.deps.prisma.emailLog.findFirstOrThrow({ where: { to: email } });
      expect(failing.status).toBe('PENDING');
      expect(failing.error).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await smtp.start();
    }
    await smtp.waitFor(email, 1, 30_000);
    await expect.poll(async () => (await app.deps.prisma.emailLog.findFirst({ where: { to: email } }))?.status, { timeout: 5_000 }).toBe('SENT');
  }, 60_000);

  it('a 550 for the recipient marks the email FAILED after one attempt; a 450 is retried until it goes through', async () => {
    const seed = await seedWithEmails();
    const gone = `gone.${Date.now()}@example.com`;
    const busy = `busy.${Date.now()}@example.com`;
    smtp.refuse.set(gone, 550);
    smtp.refuse.set(busy, 450);
    try {
      expect((await postRegistration(app.url, seed.event.id, registrationBody({ email: gone }), { key: seed.liveKey })).status).toBe(201);
      expect((await postRegistration(app.url, seed.event.id, registrationBody({ email: busy }), { key: seed.liveKey })).status).toBe(201);
      await expect.poll(async () => (await app.deps.prisma.emailLog.findFirst({ where: { to: gone } }))?.status, { timeout: 10_000 }).toBe('FAILED');
      const failed = await app.deps.prisma.emailLog.findFirstOrThrow({ where: { to: gone } });
      expect({ attempts: failed.attempts, error: failed.error }).toEqual({ attempts: 1, error: expect.stringMatching(/550/) });
      // Not retried: the job finished with the refusal.
      await expect
        .poll(async () => (await app.deps.prisma.emailLog.findFirst({ where: { to: busy } }))?.attempts, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(1);
      expect((await app.deps.prisma.emailLog.findFirstOrThrow({ where: { to: busy } })).status).toBe('PENDING');
    } finally {
      smtp.refuse.delete(busy);
    }
    // The busy mailbox takes it on the retry (5 s back-off); the refused one was tried once, and only once.
    await smtp.waitFor(busy, 1, 30_000);
    await expect.poll(async () => (await app.deps.prisma.emailLog.findFirst({ where: { to: busy } }))?.status, { timeout: 5_000 }).toBe('SENT');
    expect(smtp.refused.get(gone)).toBe(1);
    expect((await app.deps.prisma.emailLog.findFirstOrThrow({ where: { to: gone } })).attempts).toBe(1);
    smtp.refuse.delete(gone);
  }, 60_000);

  it('emailLogs lists the event’s emails for its organisation only', async () => {
    const seed = await seedWithEmails();
    const email = `log.${Date.now()}@example.com`;
    await postRegistration(app.url, seed.event.id, registrationBody({ email }), { key: seed.liveKey });
    await smtp.waitFor(email);
    const query =
      'query ($id: ID!) { emailLogs(eventId: $id) { totalCount edges { node { to subject status attempts providerMessageId error devMailboxFile } } } }';
    await expect
      .poll(async () =>
        (await graphqlOk(app.url, query, { token: seed.owner.token, variables: { id: seed.event.id } })).emailLogs.edges.map((e: any) => e.node),
      )
      .toEqual([
        {
          to: email,
          subject: 'Your registration for Q1 Product Workshop',
          status: 'SENT',
          attempts: 1,
          providerMessageId: expect.any(String),
          error: null,
          devMailboxFile: null,
        },
      ]);
    const stranger = await createUser(app.deps);
    const refused = await graphql(app.url, query, { token: stranger.token, variables: { id: seed.event.id } });
    expect(refused.errors?.[0]).toMatchObject({ message: 'Event not found.', extensions: { code: 'NOT_FOUND' } });
  });
});

describe('without SMTP_URL', () => {
  it('writes mails to the dev mailbox under DATA_DIR, readable through emailLogs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eventogate-mailbox-'));
    const local = await startTestApp({ DATA_DIR: dataDir });
    try {
      expect(local.deps.mailer.description).toBe(`dev mailbox ${join(dataDir, 'mailbox')} (no SMTP_URL set)`);
      const seed = await createSeedShapedEvent(local.deps);
      await updateEvent(local.deps, { actor: seed.owner.actor, input: { id: seed.event.id, apiConfirmationEmails: true } });
      const email = `dev.${Date.now()}@example.com`;
      await postRegistration(local.url, seed.event.id, registrationBody({ email }), { key: seed.liveKey });
      const query = 'query ($id: ID!) { emailLogs(eventId: $id, first: 1) { edges { node { status devMailboxFile rawMessage } } } }';
      await expect
        .poll(async () => (await graphqlOk(local.url, query, { token: seed.owner.token, variables: { id: seed.event.id } })).emailLogs.edges[0]?.node.status)
        .toBe('SENT');
      const log = (await graphqlOk(local.url, query, { token: seed.owner.token, variables: { id: seed.event.id } })).emailLogs.edges[0].node;
      expect(log.devMailboxFile).toMatch(new RegExp(`^${join(dataDir, 'mailbox')}/.*\\.eml$`));
      const eml = readFileSync(log.devMailboxFile, 'utf8');
      expect(eml).toContain(`To: ${email}`);
      expect(eml).toContain('Subject: Your registration for Q1 Product Workshop');
      expect(log.rawMessage).toBe(eml);
    } finally {
      await local.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
