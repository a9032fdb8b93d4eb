import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/modules/imports/imports.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { subscribeWs } from '../support/subscriptions.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  receiver = await new WebhookReceiver().start();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

const IMPORT = 'mutation ($input: ImportAttendeesInput!) { importAttendees(input: $input) { id status total dryRun } }';
const JOB = 'query ($id: ID!) { importJob(id: $id) { status total processed created skipped errors { row field message } } }';
const TRICKY_COMPANY = 'Acme, "Quoted" Inc.\nSecond line';

/** 2,003 attendee rows: 2,000 good, and 3 bad ones at rows 11 (no email), 21 (duplicate of row 2), 31 (unknown ticket type). */
function csvFile(): string {
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const lines = ['first_name,last_name,email,phone,country,ticket_type_slug,company,job_title'];
  let good = 0;
  for (let row = 2; lines.length < 2004; row++) {
    if (row === 11) lines.push('No,Email,,,,general,,');
    else if (row === 21) lines.push('Dup,Licate,person0@example.com,,,general,,');
    else if (row === 31) lines.push('Wrong,Ticket,wrong@example.com,,,platinum,,');
    else {
      const company = good === 5 ? quote(TRICKY_COMPANY) : `Company ${good}`;
      lines.push(`Person,${good},person${good}@example.com,+4412345${good},GB,${good % 2 ? 'vip' : 'general'},${company},Engineer`);
      good++;
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

async function waitForJob(id: string, token: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { importJob } = await graphqlOk(app.url, JOB, { token, variables: { id } });
    if (importJob.status === 'COMPLETED' || importJob.status === 'FAILED') return importJob;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${importJob.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const BAD_ROWS = [
  { row: 11, field: 'email', message: 'The email field is required.' },
  { row: 21, field: 'email', message: 'This email has already been registered for this event.' },
  { row: 31, field: 'ticket_type_slug', message: 'Ticket type "platinum" not found.' },
];

describe('CSV import', () => {
  it('a dry run reports exactly the 3 bad rows and writes nothing', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const { importAttendees } = await graphqlOk(app.url, IMPORT, {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, csv: csvFile(), dryRun: true } },
    });
    expect(importAttendees).toMatchObject({ total: 2003, dryRun: true });
    const job = await waitForJob(importAttendees.id, seed.owner.token);
    expect(job).toMatchObject({ status: 'COMPLETED', total: 2003, processed: 2003, created: 0, skipped: 2003 });
    expect(job.errors).toEqual(BAD_ROWS);
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(0);
  });

  it('the real run creates 2,000 (one webhook each), reports progress in order, keeps quoted fields, and exports 2,001 lines', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/import`, { triggers: ['ATTENDEE_REGISTERED'], selectedFields: ['attendee_id'] });
    const started = Date.now();
    const { importAttendees } = await graphqlOk(app.url, IMPORT, { token: seed.owner.token, variables: { input: { eventId: seed.event.id, csv: csvFile() } } });
    const progress = await subscribeWs(app.url, 'subscription ($id: ID!) { importProgress(jobId: $id) { status processed created } }', {
      token: seed.owner.token,
      variables: { id: importAttendees.id },
    });
    const job = await waitForJob(importAttendees.id, seed.owner.token);
    const seconds = (Date.now() - started) / 1000;
    console.info(`imported 2,003 rows in ${seconds.toFixed(1)} s (${(2003 / seconds).toFixed(0)} rows/s)`);
    expect(job).toMatchObject({ status: 'COMPLETED', processed: 2003, created: 2000, skipped: 3 });
    expect(job.errors).toEqual(BAD_ROWS);

    await expect.poll(() => progress.values.at(-1)?.importProgress.status, { timeout: 5_000 }).toBe('COMPLETED');
    const processed = progress.values.map((v) => v.importProgress.processed);
    expect(processed.length).toBeGreaterThan(2);
    expect([...processed].sort((a, b) => a - b)).toEqual(processed);
    // Every push is news: the count moved, or the status did (PENDING → RUNNING at 0, RUNNING → COMPLETED at the end).
    const pushes = progress.values.map((v) => `${v.importProgress.status}:${v.importProgress.processed}`);
    expect(pushes.filter((push, i) => push === pushes[i - 1])).toEqual([]);
    await progress.close();

    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, source: 'IMPORT' } })).toBe(2000);
    const tricky = await app.deps.prisma.attendee.findFirstOrThrow({ where: { eventId: seed.event.id, email: 'person5@example.com' } });
    expect(tricky.customData).toEqual({ company: TRICKY_COMPANY, job_title: 'Engineer' });

    await receiver.waitFor(() => new Set(receiver.on('/import').map((h) => h.json.attendee_id)).size === 2000, 90_000);
    expect(receiver.on('/import')).toHaveLength(2000);

    const exported = await http(`${app.url}/v1/events/${seed.event.id}/registrations.csv`, { headers: { authorization: `Bearer ${seed.liveKey}` } });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const records = parse(exported.text) as string[][];
    expect(records).toHaveLength(2001);
    expect(records[0]).toEqual([
      'id',
      'first_name',
      'last_name',
      'email',
      'phone',
      'country',
      'status',
      'ticket_type',
      'ticket_type_slug',
      'registration_source',
      'registered_at',
      'checked_in_at',
      'qr_token',
      'company',
      'job_title',
    ]);
    const row = records.find((r) => r[3] === 'person5@example.com')!;
    // A leading + would start a formula in a spreadsheet: the cell is prefixed with ' (see test/security).
    expect(row.slice(1, 10)).toEqual(['Person', '5', 'person5@example.com', "'+44123455", 'GB', 'registered', 'VIP', 'vip', 'import']);
    expect(row[10]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(row.slice(13)).toEqual([TRICKY_COMPANY, 'Engineer']);

    // Running the job again from the start (as after a crash that lost its progress) creates nobody twice and
    // reports the same: rows it wrote before are recognised by job and row number, not refused as duplicates.
    // A finished import keeps no copy of the file (privacy): the crashed run still had it.
    expect((await app.deps.prisma.importJob.findUniqueOrThrow({ where: { id: importAttendees.id } })).csv).toBe('');
    await app.deps.prisma.importJob.update({
      where: { id: importAttendees.id },
      data: { status: 'RUNNING', processed: 0, created: 0, skipped: 0, errors: [], csv: csvFile() },
    });
    await runImport(app.deps, { importJobId: importAttendees.id, lastAttempt: false });
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(2000);
    const rerun = await waitForJob(importAttendees.id, seed.owner.token);
    expect(rerun).toMatchObject({ status: 'COMPLETED', processed: 2003, created: 2000, skipped: 3 });
    expect(rerun.errors).toEqual(BAD_ROWS);
  }, 150_000);

  describe('honours changes made while it runs', () => {
    const bigCsv = (n: number) => ['first_name,last_name,email', ...Array.from({ length: n }, (_, i) => `Big,${i},big.${i}@example.com`)].join('\n');
    async function startBigImport(seed: Awaited<ReturnType<typeof createSeedShapedEvent>>, n: number) {
      const { importAttendees } = await graphqlOk(app.url, IMPORT, {
        token: seed.owner.token,
        variables: { input: { eventId: seed.event.id, csv: bigCsv(n) } },
      });
      while ((await app.deps.prisma.importJob.findUniqueOrThrow({ where: { id: importAttendees.id } })).processed < 200) {
        await new Promise((r) => setTimeout(r, 5));
      }
      return importAttendees.id as string;
    }

    it('a cancellation: no row is created after updateEvent returned; the rest are reported with the reason', async () => {
      const seed = await createSeedShapedEvent(app.deps);
      const jobId = await startBigImport(seed, 6_000);
      await graphqlOk(app.url, 'mutation ($id: ID!) { updateEvent(input: { id: $id, status: CANCELLED }) { status } }', {
        token: seed.owner.token,
        variables: { id: seed.event.id },
      });
      const atCancellation = await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } });
      const job = await waitForJob(jobId, seed.owner.token);
      expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })).toBe(atCancellation);
      expect(atCancellation).toBeLessThan(6_000);
      expect(job).toMatchObject({ status: 'COMPLETED', processed: 6_000, created: atCancellation, skipped: 6_000 - atCancellation });
      expect(job.errors).toHaveLength(6_000 - atCancellation);
      expect(new Set(job.errors.map((e: { field: string; message: string }) => `${e.field}: ${e.message}`))).toEqual(
        new Set(['event: This event has been cancelled and no longer accepts registrations.']),
      );
    }, 60_000);

    it('a capacity lowered mid-run: never more attendees than the new capacity; the rest are reported sold out', async () => {
      const seed = await createSeedShapedEvent(app.deps);
      const ticketType = await app.deps.prisma.ticketType.findFirstOrThrow({ where: { eventId: seed.event.id, slug: 'general' } });
      const jobId = await startBigImport(seed, 6_000);
      const capacity = (await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } })) + 1_000;
      await graphqlOk(app.url, 'mutation ($id: ID!, $capacity: Int) { updateTicketType(input: { id: $id, capacity: $capacity }) { capacity } }', {
        token: seed.owner.token,
        variables: { id: ticketType.id, capacity },
      });
      // Rows committed before the change stay; from then on the type fills up to the new capacity exactly.
      const atChange = await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } });
      const job = await waitForJob(jobId, seed.owner.token);
      const created = await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id } });
      expect(created).toBe(Math.max(atChange, capacity));
      expect(created).toBeLessThan(6_000);
      expect(job).toMatchObject({ status: 'COMPLETED', processed: 6_000, created, skipped: 6_000 - created });
      expect(new Set(job.errors.map((e: { field: string; message: string }) => `${e.field}: ${e.message}`))).toEqual(
        new Set(['ticket_type_slug: Ticket type "general" is sold out.']),
      );
    }, 60_000);
  });

  it.each([
    ['more than 50,000 rows', () => `first_name,last_name,email\n${'a,b,c@example.com\n'.repeat(60_000)}`, 'The csv field must not have more than 50000 rows.'],
    ['no email column', () => 'first_name,last_name\nA,B\n', 'The header is missing the required column(s): email.'],
    ['an empty file', () => '', 'The csv field must start with a header row.'],
  ])('refuses %s at once', async (_case, csv, message) => {
    const seed = await createSeedShapedEvent(app.deps);
    const result = await graphql(app.url, IMPORT, { token: seed.owner.token, variables: { input: { eventId: seed.event.id, csv: csv() } } });
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { csv: [message] } });
    expect(await app.deps.prisma.importJob.count({ where: { eventId: seed.event.id } })).toBe(0);
  });

  it('reports unknown columns and sends emails only when asked', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const csv = 'first_name,last_name,email,shoe_size\nAda,Lovelace,ada.import@example.com,38\n';
    const { importAttendees } = await graphqlOk(app.url, IMPORT, { token: seed.owner.token, variables: { input: { eventId: seed.event.id, csv } } });
    const job = await waitForJob(importAttendees.id, seed.owner.token);
    expect(job).toMatchObject({ created: 1, errors: [{ row: 1, field: 'header', message: 'Unknown column "shoe_size" (ignored).' }] });
    expect(await app.deps.prisma.emailLog.count({ where: { eventId: seed.event.id } })).toBe(0);
    const withEmails = await graphqlOk(app.url, IMPORT, {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, csv: 'first_name,last_name,email\nGrace,Hopper,grace.import@example.com\n', sendEmails: true } },
    });
    await waitForJob(withEmails.importAttendees.id, seed.owner.token);
    expect(await app.deps.prisma.emailLog.count({ where: { eventId: seed.event.id, to: 'grace.import@example.com' } })).toBe(1);
  });
});
