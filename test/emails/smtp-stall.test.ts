import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createMailTransport } from '../../src/modules/emails/emails.transport.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { SmtpSink } from '../support/smtp-sink.ts';

/**
 * #33 item 3: an SMTP server that stalls mid-DATA. The send gives up after SMTP_TIMEOUT_MS (well below the job's
 * 120 s expiry), so the attempt is retried on its schedule instead of the job expiring and running again on another
 * worker beside a session still open — exactly one confirmation — and while it stalls, other organisations' mail
 * goes out as usual: sends are concurrent and four workers per process fetch.
 */
const SMTP_TIMEOUT_MS = 6_000;
const STALL_MS = 15_000;

let smtp: SmtpSink;
let api: TestApp;
const workers: TestApp[] = [];
const env = () => ({ SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: String(SMTP_TIMEOUT_MS) });
const startWorker = async () => void workers.push(await startTestApp({ ...env(), ROLE: 'worker' }, { databaseUrl: api.databaseUrl }));

beforeAll(async () => {
  smtp = await new SmtpSink().start();
  api = await startTestApp({ ...env(), ROLE: 'api' });
  await startWorker();
}, 60_000);

afterAll(async () => {
  for (const worker of workers) await worker.close();
  await api?.stop();
  await smtp?.stop();
});

const mailing = () => createSeedShapedEvent(api.deps, { apiConfirmationEmails: true });

describe('an SMTP server that stalls mid-DATA', () => {
  it('costs that message one attempt: one mail in the end, and nobody else’s mail waits, even on one worker process', async () => {
    const [a, b, c] = [await mailing(), await mailing(), await mailing()];
    const stalled = 'stalled@example.com';
    smtp.stallOnce.set(stalled, STALL_MS);
    const first = await postRegistration(api.url, a.event.id, registrationBody({ email: stalled }), { key: a.liveKey });
    expect(first.status).toBe(201);
    // Its DATA is in; the server stalls before answering.
    await expect.poll(() => smtp.stallOnce.has(stalled), { timeout: 5_000, interval: 20 }).toBe(false);

    // While it stalls: B's and C's confirmations, each timed from its registration to its arrival.
    const waits = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const seed = i % 2 === 0 ? b : c;
        const email = `on.time.${i}@example.com`;
        const started = performance.now();
        expect((await postRegistration(api.url, seed.event.id, registrationBody({ email }), { key: seed.liveKey })).status).toBe(201);
        await smtp.waitFor(email, 1, 10_000);
        return performance.now() - started;
      }),
    );
    expect(Math.max(...waits)).toBeLessThan(SMTP_TIMEOUT_MS);
    expect(smtp.to(stalled)).toEqual([]);
    // That was one worker process. A second one now: it would take the job again if it expired mid-send.
    await startWorker();

    // The stalled session was cut at SMTP_TIMEOUT_MS; the retry (5 s later) is delivered; the stalled one never is.
    await smtp.waitFor(stalled, 1, 15_000);
    // When the stall ends, the server finds its client gone and drops that message.
    await expect.poll(() => smtp.dropped, { timeout: STALL_MS, interval: 50 }).toBe(1);
    expect(smtp.to(stalled)).toHaveLength(1);
    // The server has the message before the worker records it as sent: wait for the record, not for the mail.
    await expect
      .poll(async () => {
        const log = await api.deps.prisma.emailLog.findFirstOrThrow({ where: { to: stalled } });
        return [log.status, log.attempts, log.error];
      })
      .toEqual(['SENT', 2, null]);
  }, 60_000);
});

describe('the SMTP transport', () => {
  it('keeps a connection for the next message; after the server restarted, the next message still arrives, once', async () => {
    const mailer = createMailTransport({ ...loadConfig({ SMTP_URL: smtp.url }), smtpTimeoutMs: 60_000 });
    try {
      const before = smtp.connections;
      for (let i = 0; i < 5; i++) await mailer.send({ from: 'a@example.org', to: `kept${i}@example.com`, subject: 'x', text: 'x' });
      expect(smtp.connections - before).toBe(1);
      for (let i = 0; i < 5; i++) expect(smtp.to(`kept${i}@example.com`)).toHaveLength(1);
      // The server goes away (its close waits for the kept session, which ends after 5 s idle) and comes back on the
      // same port: the next message arrives, once, on a new session.
      await smtp.stop();
      await smtp.start();
      await mailer.send({ from: 'a@example.org', to: 'after-restart@example.com', subject: 'x', text: 'x' });
      expect(smtp.to('after-restart@example.com')).toHaveLength(1);
    } finally {
      mailer.close();
    }
  }, 20_000);
  it('stops a send on its signal at once, wherever the session is, and the server delivers nothing', async () => {
    const mailer = createMailTransport({ ...loadConfig({ SMTP_URL: smtp.url }), smtpTimeoutMs: 60_000 });
    const address = 'aborted@example.com';
    smtp.stallOnce.set(address, 3_000);
    const dropped = smtp.dropped;
    const job = new AbortController();
    const sending = mailer.send({ from: 'a@example.org', to: address, subject: 'x', text: 'x' }, { signal: job.signal });
    // Its DATA is in; the server stalls before answering.
    await expect.poll(() => smtp.stallOnce.has(address), { timeout: 5_000, interval: 10 }).toBe(false);
    const started = performance.now();
    job.abort(new Error('job expired'));
    await expect(sending).rejects.toThrow('SMTP send aborted: job expired');
    expect(performance.now() - started).toBeLessThan(200);
    await expect.poll(() => smtp.dropped, { timeout: 5_000, interval: 50 }).toBe(dropped + 1);
    expect(smtp.to(address)).toEqual([]);
  }, 20_000);
});
