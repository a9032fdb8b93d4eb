import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomField } from '../../src/modules/custom-fields/custom-fields.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestApiKey, createTestEvent, createUser, type TestUser } from '../support/factories.ts';
import { graphqlOk, http } from '../support/http.ts';
import { untilJobsSettled, untilWebhooksSettled } from '../support/jobs.ts';
import { type Postgres15, startPostgres15 } from '../support/postgres15.ts';
import { postRegistration } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * "Erased means gone": one person registers every way there is (REST with an Idempotency-Key, a test key, the
 * public form, a CSV import, the dashboard), with a webhook endpoint listening and confirmation emails on, is
 * checked in, and a job of the previous webhook engine carries their payload. After erasePersonalData, a pg_dump
 * of the whole database (every schema: pg-boss's too), the dev mailbox and the process's log hold their email,
 * phone, names and answer nowhere — and every count is what it was.
 * On a PostgreSQL 15 of its own: the machine's pg_dump is 15 and refuses the embedded PostgreSQL 18.
 */
let postgres: Postgres15;
let app: TestApp;
let receiver: WebhookReceiver;
const logLines: string[] = [];

beforeAll(async () => {
  postgres = await startPostgres15();
  receiver = await new WebhookReceiver().start();
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', LOG_LEVEL: 'debug' }, { databaseUrl: postgres.url, logLines });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await receiver?.stop();
  await postgres?.stop();
}, 60_000);

const tag = randomBytes(4).toString('hex');
const person = {
  first_name: `Zephyrine${tag}`,
  last_name: `Quillfeather${tag}`,
  email: `Zephyrine.Q+${tag}@Example.org`,
  phone: `+4477009${String(randomInt(100_000)).padStart(5, '0')}`,
  country: 'GB',
  custom_data: { company: `Quixotic ${tag} Ltd` },
};
/** What must be nowhere after the erasure (compared lower-cased). */
const needles = [person.email, person.first_name, person.last_name, person.phone, person.custom_data.company].map((n) => n.toLowerCase());
const control = { first_name: 'Constance', last_name: `Control${tag}`, email: `constance.${tag}@example.net` };

function mailbox(): string[] {
  const dir = join(app.deps.config.dataDir, 'mailbox');
  try {
    return readdirSync(dir).map((file) => readFileSync(join(dir, file), 'utf8').toLowerCase());
  } catch {
    return [];
  }
}

async function counts() {
  const { rows } = await app.deps.pool.query(
    `SELECT event_id, test_mode, status::text, checked_in_at IS NOT NULL AS checked_in, ticket_type_id, count(*)::int AS n
     FROM attendees GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
  );
  const { rows: stored } = await app.deps.pool.query(
    `SELECT event_id, test_mode, ticket_type_id, sum(registered)::int AS registered, sum(checked_in)::int AS checked_in,
            sum(cancelled)::int AS cancelled, sum(no_show)::int AS no_show
     FROM event_attendee_counts GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  );
  return { rows, stored };
}

describe('erasePersonalData: erased means gone', () => {
  let owner: TestUser;
  let liveKey = '';
  let oldQrToken = '';
  const events: Record<'api' | 'form' | 'import' | 'dashboard', string> = { api: '', form: '', import: '', dashboard: '' };

  it('registers the person every way, checks them in, and erases every copy', async () => {
    owner = await createUser(app.deps);
    for (const kind of Object.keys(events) as Array<keyof typeof events>) {
      const event = await createTestEvent(app.deps, owner.actor, { name: `Privacy ${kind}`, apiConfirmationEmails: true });
      await createCustomField(app.deps, { actor: owner.actor, input: { eventId: event.id, fieldKey: 'company', fieldLabel: 'Company', fieldType: 'TEXT' } });
      events[kind] = event.id;
    }
    const live = await createTestApiKey(app.deps, owner.actor, 'LIVE');
    liveKey = live.secret;
    const test = await createTestApiKey(app.deps, owner.actor, 'TEST');
    await createEndpoint(app.deps, owner.actor, `${receiver.url}/privacy`);

    // REST, with an Idempotency-Key (the response is stored), and the same person with a test key.
    const idempotency = { key: live.secret, headers: { 'idempotency-key': `privacy-${tag}` } };
    const viaApi = await postRegistration(app.url, events.api, person, idempotency);
    expect(viaApi.status).toBe(201);
    expect((await postRegistration(app.url, events.api, person, { key: test.secret })).status).toBe(201);
    expect((await postRegistration(app.url, events.api, control, { key: live.secret })).status).toBe(201);
    // The public form.
    const viaForm = await http(`${app.url}/v1/public/events/${events.form}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(person),
    });
    expect(viaForm.status).toBe(201);
    // A CSV import that sends emails (two rows: the person and someone else).
    const csv = `first_name,last_name,email,phone,country,company\n${person.first_name},${person.last_name},${person.email},${person.phone},GB,${person.custom_data.company}\nImogen,Other${tag},imogen.${tag}@example.net,,,Elsewhere\n`;
    const imported = await graphqlOk(app.url, 'mutation ($input: ImportAttendeesInput!) { importAttendees(input: $input) { id } }', {
      token: owner.token,
      variables: { input: { eventId: events.import, csv, sendEmails: true } },
    });
    // The dashboard.
    await graphqlOk(app.url, 'mutation ($input: RegisterAttendeeInput!) { registerAttendee(input: $input) { id } }', {
      token: owner.token,
      variables: {
        input: {
          eventId: events.dashboard,
          firstName: person.first_name,
          lastName: person.last_name,
          email: person.email,
          phone: person.phone,
          customData: person.custom_data,
          sendEmail: true,
        },
      },
    });
    // Checked in at the door.
    const checkIn = await http(`${app.url}/v1/events/${events.api}/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${live.secret}` },
      body: JSON.stringify({ qr_token: viaApi.body.qr_token }),
    });
    expect(checkIn.status).toBe(200);
    oldQrToken = viaApi.body.qr_token;
    await untilJobsSettled(app, ['imports.run', 'emails.confirmation'], 30_000);
    await untilWebhooksSettled(app);
    // A confirmation job that failed with the SMTP server's refusal quoting the address: pg-boss keeps its data (the
    // email log's id) and output until its own retention.
    const emailLog = await app.deps.prisma.emailLog.findFirstOrThrow({ where: { attendeeId: viaApi.body.id } });
    const failedJob = await app.deps.boss.send('emails.confirmation', { emailLogId: emailLog.id }, { startAfter: 3_600, retryLimit: 0 });
    await app.deps.boss.fail('emails.confirmation', failedJob!, { message: `550 5.1.1 <${person.email}>: Recipient address rejected` });
    expect((await app.deps.pool.query('SELECT state FROM pgboss.job WHERE id = $1', [failedJob])).rows).toEqual([{ state: 'failed' }]);

    // Before: the person is in the database (every copy this test is about), the mailbox and the webhooks sent.
    const before = postgres.dump().toLowerCase();
    for (const needle of needles) expect(before, needle).toContain(needle);
    expect(mailbox().filter((mail) => mail.includes(needles[0]!))).toHaveLength(4);
    expect(receiver.on('/privacy').filter((w) => w.body.toLowerCase().includes(needles[0]!)).length).toBeGreaterThanOrEqual(5);
    const countsBefore = await counts();
    const { importJob } = await graphqlOk(app.url, 'query ($id: ID!) { importJob(id: $id) { status created } }', {
      token: owner.token,
      variables: { id: imported.importAttendees.id },
    });
    expect(importJob).toEqual({ status: 'COMPLETED', created: 2 });

    const { erasePersonalData } = await graphqlOk(app.url, 'mutation ($input: PersonalDataInput!) { erasePersonalData(input: $input) { attendeesErased } }', {
      token: owner.token,
      variables: { input: { email: person.email.toUpperCase() } },
    });
    expect(erasePersonalData).toEqual({ attendeesErased: 5 });

    const after = postgres.dump().toLowerCase();
    for (const needle of needles) expect(after.includes(needle), `"${needle}" still in the pg_dump`).toBe(false);
    expect(after).toContain(control.email);
    expect(after).toContain(`imogen.${tag}@example.net`);
    for (const mail of mailbox()) for (const needle of needles) expect(mail.includes(needle), `"${needle}" still in the mailbox`).toBe(false);
    expect(mailbox().some((mail) => mail.includes(control.email))).toBe(true);
    const log = logLines.join('').toLowerCase();
    expect(log.length).toBeGreaterThan(0);
    for (const needle of needles) expect(log.includes(needle), `"${needle}" in the log`).toBe(false);
    expect(await counts()).toEqual(countsBefore);
  }, 120_000);

  it('leaves the registrations, erased: names "Erased", a hashed email, the ticket void; the person may register again', async () => {
    const { attendees } = await graphqlOk(
      app.url,
      `query ($eventId: ID!) { attendees(eventId: $eventId, first: 10) { edges { node {
         id firstName lastName email phone country customData status checkedInAt erasedAt qrToken } } } }`,
      { token: owner.token, variables: { eventId: events.api } },
    );
    const erased = attendees.edges.map((e: { node: Record<string, unknown> }) => e.node).find((a: Record<string, unknown>) => a.erasedAt);
    expect(erased).toMatchObject({ firstName: 'Erased', lastName: 'Erased', phone: null, country: null, customData: {}, status: 'CHECKED_IN' });
    expect(erased.email).toMatch(/^[0-9a-f]{32}\.att_[0-9a-z]{26}@erased\.invalid$/);
    expect(erased.checkedInAt).not.toBeNull();

    // The replayed Idempotency-Key answer is the erased registration.
    const replay = await postRegistration(app.url, events.api, person, { key: liveKey, headers: { 'idempotency-key': `privacy-${tag}` } });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toMatchObject({ id: erased.id, first_name: 'Erased', last_name: 'Erased', email: erased.email, phone: null, custom_data: {} });
    // The old ticket no longer opens the door.
    const door = await http(`${app.url}/v1/events/${events.api}/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${liveKey}` },
      body: JSON.stringify({ qr_token: oldQrToken }),
    });
    expect(door.status).toBe(404);
    // The same person registering again is a new attendee.
    const again = await postRegistration(app.url, events.api, person, { key: liveKey });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(erased.id);
  }, 60_000);
});
