import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEANUP_JOB as cleanupJob } from '../../src/features.ts';
import { createMailTransport, type MailboxWrite } from '../../src/modules/emails/emails.transport.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphqlOk } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * #33 item 6: the dev mailbox (no SMTP_URL) never keeps a copy of a person that no email log accounts for. A write
 * that fails midway (a full disk) leaves no file — it goes under a temporary name and is renamed when complete —
 * and the files a crash could leave (a partial one; a confirmation written but never recorded) are swept by the
 * hourly cleanup and by every erasure.
 */
let app: TestApp;
let mailbox: string;

beforeAll(async () => {
  app = await startTestApp();
  mailbox = join(app.deps.config.dataDir, 'mailbox');
}, 60_000);
afterAll(async () => {
  await app?.stop();
});

/** Writes the first half of the message, then fails as a full disk does. */
const fullDisk: MailboxWrite = async (path, data, options) => {
  await writeFile(path, data.subarray(0, data.length >> 1), options);
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
};

const files = () => readdirSync(mailbox).sort();
const MINUTES_AGO = (n: number) => new Date(Date.now() - n * 60_000);

describe('the dev mailbox', () => {
  it('a write failing midway leaves no file; the retry writes one, which its log points to', async () => {
    const seed = await createSeedShapedEvent(app.deps, { apiConfirmationEmails: true });
    const mailer = app.deps.mailer;
    app.deps.mailer = createMailTransport(app.deps.config, fullDisk);
    const before = files();
    const email = 'disk.full@example.com';
    try {
      expect((await postRegistration(app.url, seed.event.id, registrationBody({ email }), { key: seed.liveKey })).status).toBe(201);
      await expect.poll(async () => (await app.deps.prisma.emailLog.findFirst({ where: { to: email } }))?.attempts, { timeout: 10_000 }).toBe(1);
      const failed = await app.deps.prisma.emailLog.findFirstOrThrow({ where: { to: email } });
      expect([failed.status, failed.devMailboxFile, failed.error]).toEqual(['PENDING', null, 'ENOSPC: no space left on device, write']);
      expect(files()).toEqual(before);
    } finally {
      app.deps.mailer = mailer;
    }
    await expect.poll(async () => (await app.deps.prisma.emailLog.findFirstOrThrow({ where: { to: email } })).status, { timeout: 20_000 }).toBe('SENT');
    const sent = await app.deps.prisma.emailLog.findFirstOrThrow({ where: { to: email } });
    expect(files()).toEqual([...before, sent.devMailboxFile!.slice(mailbox.length + 1)].sort());
    expect(sent.devMailboxFile).toMatch(/-confirmation-.*\.eml$/);
  }, 60_000);

  it('the hourly cleanup sweeps what no log accounts for, once it has settled; erasure does too', async () => {
    const seed = await createSeedShapedEvent(app.deps, { apiConfirmationEmails: true });
    const email = 'kept@example.com';
    await postRegistration(app.url, seed.event.id, registrationBody({ email }), { key: seed.liveKey });
    await expect.poll(async () => (await app.deps.prisma.emailLog.findFirst({ where: { to: email } }))?.status, { timeout: 10_000 }).toBe('SENT');
    const kept = (await app.deps.prisma.emailLog.findFirstOrThrow({ where: { to: email } })).devMailboxFile!;

    // What a crash leaves: a partial write, and a confirmation written but never recorded; an hour old. Beside them
    // an account email (no log is ever written for those) and an orphan written a moment ago (maybe being recorded).
    const plant = (name: string, age: number) => {
      const path = join(mailbox, name);
      writeFileSync(path, 'To: someone@example.com\n', { mode: 0o600 });
      utimesSync(path, MINUTES_AGO(age), MINUTES_AGO(age));
      return path;
    };
    plant('.partial-2026-12-06T10-00-00-000Z-confirmation-x@eventogate.eml', 60);
    plant('2026-12-06T10-00-00-000Z-confirmation-orphan@eventogate.eml', 60);
    const account = plant('2026-12-06T10-00-00-000Z-account-reset@eventogate.eml', 60);
    const fresh = plant('2026-12-06T10-00-00-000Z-confirmation-fresh@eventogate.eml', 0);
    utimesSync(kept, MINUTES_AGO(60), MINUTES_AGO(60));

    await cleanupJob.handler(app.deps, {}, { id: 'manual', retryCount: 0, signal: new AbortController().signal });
    const left = files().map((name) => join(mailbox, name));
    expect(left).toEqual(expect.arrayContaining([kept, account, fresh]));
    expect(left.filter((file) => file.includes('orphan') || file.includes('.partial-'))).toEqual([]);

    // An erasure sweeps too: the fresh orphan, once settled, goes with it.
    utimesSync(fresh, MINUTES_AGO(5), MINUTES_AGO(5));
    await graphqlOk(app.url, 'mutation ($input: PersonalDataInput!) { erasePersonalData(input: $input) { attendeesErased } }', {
      token: seed.owner.token,
      variables: { input: { email } },
    });
    await expect.poll(() => files().map((name) => join(mailbox, name)), { timeout: 5_000 }).not.toContain(fresh);
    expect(files().map((name) => join(mailbox, name))).not.toContain(kept);
    expect(files().map((name) => join(mailbox, name))).toContain(account);
  }, 60_000);
});
