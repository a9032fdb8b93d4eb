import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideLocally } from '../../scanner/local.ts';
import type { Synced, SyncedAttendee } from '../../scanner/store.ts';
import { CLEANUP_JOB as cleanupJob } from '../../src/features.ts';
import { newId } from '../../src/lib/ids.ts';
import { emailHash } from '../../src/lib/redaction.ts';
import { revokeApiKey } from '../../src/modules/api-keys/api-keys.service.ts';
import { createCustomField } from '../../src/modules/custom-fields/custom-fields.service.ts';
import { ERASED_DURING_IMPORT, runImport } from '../../src/modules/imports/imports.service.ts';
import { removeMember } from '../../src/modules/members/members.service.ts';
import { retentionJob } from '../../src/modules/privacy/privacy.jobs.ts';
import { deleteWebhookEndpoint, rotateWebhookSecret, updateWebhookEndpoint } from '../../src/modules/webhooks/webhooks.service.ts';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.ts';
import { addMember, createSeedShapedEvent, createTestApiKey, createTestEvent, createUser, uniqueEmail } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { untilJobsSettled, untilWebhooksSettled } from '../support/jobs.ts';
import { getJson, postRegistration, registrationBody } from '../support/rest.ts';
import { type ReceiverResponse, WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

let app: TestApp;
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_LOG_RETENTION_DAYS: '3', AUDIT_LOG_RETENTION_DAYS: '30' });
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await receiver?.stop();
});

type Seed = Awaited<ReturnType<typeof createSeedShapedEvent>>;

async function registered(seed: Seed, overrides: Record<string, unknown> = {}) {
  const response = await postRegistration(app.url, seed.event.id, registrationBody(overrides), { key: seed.liveKey });
  expect(response.status).toBe(201);
  return response.body as { id: string; email: string; qr_token: string };
}

/** Runs `fn` while the receiver answers requests to `path` with `answer` (others as before). */
async function answering<T>(path: string, answer: ReceiverResponse, fn: () => Promise<T>): Promise<T> {
  const previous = receiver.respond;
  receiver.respond = (req) => (req.path === path ? answer : previous(req));
  try {
    return await fn();
  } finally {
    receiver.respond = previous;
  }
}

/** A door device paired to the seed's event: its token. */
async function pairDevice(seed: Seed): Promise<string> {
  const { createScannerDevice } = await graphqlOk(app.url, 'mutation ($input: CreateScannerDeviceInput!) { createScannerDevice(input: $input) { token } }', {
    token: seed.owner.token,
    variables: { input: { eventId: seed.event.id, name: 'Door 1' } },
  });
  return createScannerDevice.token as string;
}

const ERASE = 'mutation ($input: PersonalDataInput!) { erasePersonalData(input: $input) { attendeesErased } }';
const ERASE_ONE = 'mutation ($input: EraseAttendeeInput!) { eraseAttendee(input: $input) { id firstName lastName email phone erasedAt status } }';
const EXPORT = 'mutation ($input: PersonalDataInput!) { exportPersonalData(input: $input) }';
const AUDIT = `query ($action: String, $first: Int, $after: String) { auditLog(action: $action, first: $first, after: $after) {
  edges { node { id action actorType actorId subjectId requestId clientRequestId createdAt } } pageInfo { hasNextPage endCursor } } }`;

async function auditLog(token: string, action?: string) {
  await app.deps.audit.flush();
  const data = await graphqlOk(app.url, AUDIT, { token, variables: { action, first: 200 } });
  return data.auditLog.edges.map((e: { node: Record<string, string | null> }) => e.node) as Array<Record<string, string | null>>;
}

describe('who may erase', () => {
  it('refuses STAFF and API keys, and another organisation’s attendee reads as not found — nothing changes', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const attendee = await registered(seed);
    const staff = await addMember(app.deps, seed.owner.organisationId, 'STAFF');
    const other = await createUser(app.deps);

    for (const [query, input] of [
      [ERASE, { email: attendee.email }],
      [ERASE_ONE, { attendeeId: attendee.id }],
      [EXPORT, { email: attendee.email }],
    ] as const) {
      const byStaff = await graphql(app.url, query, { token: staff.token, variables: { input } });
      expect(byStaff.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const byKey = await graphql(app.url, query, { token: seed.liveKey, variables: { input } });
      expect(byKey.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const foreign = await graphql(app.url, ERASE_ONE, { token: other.token, variables: { input: { attendeeId: attendee.id } } });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // By email, another organisation erases its own attendees only: none here.
    expect(await graphqlOk(app.url, ERASE, { token: other.token, variables: { input: { email: attendee.email } } })).toEqual({
      erasePersonalData: { attendeesErased: 0 },
    });
    const row = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } });
    expect(row).toMatchObject({ email: attendee.email, firstName: 'Ada', erasedAt: null, qrToken: attendee.qr_token });
    expect(await auditLog(other.token)).toEqual([
      expect.objectContaining({ action: 'personal_data.erased', subjectId: emailHash(TEST_SECRET_KEY, attendee.email) }),
    ]);
  });

  it('refuses bad input with the documented error and changes nothing', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    for (const input of [{ email: '' }, { email: '   ' }, { email: 'x'.repeat(400) }]) {
      const result = await graphql(app.url, ERASE, { token: seed.owner.token, variables: { input } });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const missing = await graphql(app.url, ERASE_ONE, { token: seed.owner.token, variables: { input: { attendeeId: 'att_nope' } } });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('eraseAttendee and DELETE /v1/events/{event_id}/registrations/{attendee_id}', () => {
  it('erases one attendee (others with other emails untouched), answers the erased attendee, and a second time changes nothing', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const attendee = await registered(seed, { phone: '+15550001111', custom_data: { company: 'Initech' } });
    const neighbour = await registered(seed);
    const { eraseAttendee } = await graphqlOk(app.url, ERASE_ONE, { token: seed.owner.token, variables: { input: { attendeeId: attendee.id } } });
    expect(eraseAttendee).toMatchObject({ id: attendee.id, firstName: 'Erased', lastName: 'Erased', phone: null, status: 'REGISTERED' });
    expect(eraseAttendee.email).toMatch(/@erased\.invalid$/);
    const again = await graphqlOk(app.url, ERASE_ONE, { token: seed.owner.token, variables: { input: { attendeeId: attendee.id } } });
    expect(again.eraseAttendee).toEqual(eraseAttendee);
    expect(await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: neighbour.id } })).toMatchObject({ firstName: 'Ada', erasedAt: null });
    const entries = await auditLog(seed.owner.token, 'attendee.erased');
    expect(entries).toEqual([expect.objectContaining({ action: 'attendee.erased', actorType: 'user', actorId: seed.owner.userId, subjectId: attendee.id })]);
  });

  it('an erased attendee cannot be edited back, and door devices that synced them get the erased names at their next sync', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const attendee = await registered(seed, { first_name: 'Dorothea', last_name: 'Doorway' });
    const deviceToken = await pairDevice(seed);
    const sync = (cursor?: string) =>
      http<any>(`${app.url}/v1/scanner/sync${cursor ? `?cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${deviceToken}` } });
    const first = await sync();
    expect(first.body.attendees).toEqual([expect.objectContaining({ id: attendee.id, first_name: 'Dorothea', last_name: 'Doorway' })]);

    await graphqlOk(app.url, ERASE_ONE, { token: seed.owner.token, variables: { input: { attendeeId: attendee.id } } });
    const next = await sync(first.body.cursor);
    expect(next.body.attendees).toEqual([expect.objectContaining({ id: attendee.id, first_name: 'Erased', last_name: 'Erased', deleted: false })]);
    expect(next.body.attendees[0].token_sha256).not.toBe(first.body.attendees[0].token_sha256);

    const edit = await graphql(app.url, 'mutation ($input: UpdateAttendeeInput!) { updateAttendee(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { attendeeId: attendee.id, firstName: 'Dorothea' } },
    });
    expect(edit.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      errors: { attendeeId: ['This attendee’s personal data was erased; it cannot be edited.'] },
    });
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } })).firstName).toBe('Erased');
  });

  it('a signed ticket of an erased attendee opens no door: refused online, and offline once the device synced', async () => {
    const seed = await createSeedShapedEvent(app.deps, { ticketCodes: 'SIGNED' });
    const attendee = await registered(seed);
    expect(attendee.qr_token).toMatch(/^eg1\./);
    const deviceToken = await pairDevice(seed);
    const synced = async (): Promise<Synced> => {
      const { body } = await http<any>(`${app.url}/v1/scanner/sync`, { headers: { authorization: `Bearer ${deviceToken}` } });
      return { ...body, attendees: Object.fromEntries(body.attendees.map((a: SyncedAttendee) => [a.id, a])), syncedAt: null };
    };
    const decide = async (list: Synced) => decideLocally(attendee.qr_token, list, new Map(Object.values(list.attendees).map((a) => [a.token_sha256, a])), {});
    const before = await synced();
    expect(await decide(before)).toMatchObject({ outcome: 'accepted' });

    await graphqlOk(app.url, ERASE_ONE, { token: seed.owner.token, variables: { input: { attendeeId: attendee.id } } });
    expect(await decide(await synced())).toEqual({ outcome: 'rejected', reason: 'unknown_ticket' });
    const online = await http(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
      body: JSON.stringify({ qr_token: attendee.qr_token }),
    });
    expect(online.status).toBe(404);
  });

  it('REST: 204 with no body for the key’s mode; 404 for the other mode or another event; 403 for another organisation’s event', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const attendee = await registered(seed, { custom_data: { company: 'Globex' } });
    const other = await createSeedShapedEvent(app.deps);
    const path = `/v1/events/${seed.event.id}/registrations/${attendee.id}`;
    const del = (key: string, p = path) => http(`${app.url}${p}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });

    expect((await del(seed.testKey)).status).toBe(404);
    const foreign = await del(other.liveKey);
    expect(foreign.status).toBe(403);
    expect((await del(seed.liveKey, `/v1/events/${seed.event.id}/registrations/att_01jd0000000000000000000000`)).status).toBe(404);
    expect((await getJson(app.url, path, seed.liveKey)).body.first_name).toBe('Ada');

    const erased = await del(seed.liveKey);
    expect(erased.status).toBe(204);
    expect(erased.text).toBe('');
    expect(erased.headers.get('ratelimit-limit')).not.toBeNull();
    const read = await getJson(app.url, path, seed.liveKey);
    expect(read.body).toMatchObject({ id: attendee.id, first_name: 'Erased', last_name: 'Erased', phone: null, country: null, custom_data: {} });
    expect((await del(seed.liveKey)).status).toBe(204);
    const entries = await auditLog(seed.owner.token, 'attendee.erased');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorType: 'api_key', subjectId: attendee.id });
    expect(seed.liveKey.startsWith(entries[0]!.actorId!)).toBe(true);
    expect(entries[0]!.actorId!.length).toBeLessThan(seed.liveKey.length);
  });

  it('is documented in the OpenAPI document', async () => {
    const { body } = await getJson(app.url, '/v1/openapi.json');
    const operation = body.paths['/events/{event_id}/registrations/{attendee_id}'].delete;
    expect(operation.operationId).toBe('eraseRegistration');
    expect(Object.keys(operation.responses)).toContain('204');
  });

  it('a delivery waiting for its retry is redacted and not sent again; the confirmation email keeps no address or file', async () => {
    const seed = await createSeedShapedEvent(app.deps, { apiConfirmationEmails: true });
    const path = `/failing-${seed.event.id}`;
    await answering(path, { status: 500, body: 'no' }, async () => {
      await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}${path}`, { triggers: ['ATTENDEE_REGISTERED'] });
      const attendee = await registered(seed, { phone: '+15550003333' });
      await receiver.waitFor(() => receiver.on(path).length === 1);
      await untilJobsSettled(app, ['emails.confirmation']);
      // The first attempt failed: the delivery waits a minute for its retry.
      const waiting = await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { attendeeId: attendee.id } });
      expect(waiting.status).toBe('PENDING');
      const mail = await app.deps.prisma.emailLog.findFirstOrThrow({ where: { attendeeId: attendee.id } });
      expect(mail.devMailboxFile && existsSync(mail.devMailboxFile)).toBe(true);

      await graphqlOk(app.url, ERASE_ONE, { token: seed.owner.token, variables: { input: { attendeeId: attendee.id } } });
      const delivery = await app.deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: waiting.id }, include: { attempts: true } });
      expect(delivery).toMatchObject({ status: 'FAILED', nextAttemptAt: null });
      expect(JSON.parse(delivery.payload)).toMatchObject({ attendee_id: attendee.id, first_name: 'Erased', last_name: 'Erased', phone: null });
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0]).toMatchObject({ requestBody: delivery.payload, responseBody: null });
      const log = await app.deps.prisma.emailLog.findUniqueOrThrow({ where: { id: mail.id } });
      expect(log.to).toMatch(/@erased\.invalid$/);
      expect(log.devMailboxFile).toBeNull();
      expect(existsSync(mail.devMailboxFile!)).toBe(false);
      // No retry goes out.
      expect(receiver.on(path)).toHaveLength(1);
    });
  });
});

describe('erasure while a webhook attempt is in flight', () => {
  it('the attempt’s answer (which may echo the person) is not kept and no retry follows', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const path = `/slow-${seed.event.id}`;
    // Answers after 1.5 s: a 500 whose body echoes what it received.
    await answering(path, { status: 500, delayMs: 1_500, body: 'echo' }, async () => {
      await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}${path}`, { triggers: ['ATTENDEE_REGISTERED'] });
      const attendee = await registered(seed);
      await receiver.waitFor(() => receiver.on(path).length === 1);
      await graphqlOk(app.url, ERASE_ONE, { token: seed.owner.token, variables: { input: { attendeeId: attendee.id } } });
      await untilWebhooksSettled(app, { organisationId: seed.owner.organisationId });
      const delivery = await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { attendeeId: attendee.id }, include: { attempts: true } });
      expect(delivery).toMatchObject({ status: 'FAILED', nextAttemptAt: null, erasedAt: expect.any(Date) });
      expect(delivery.attempts).toEqual([expect.objectContaining({ statusCode: 500, responseBody: null, requestBody: delivery.payload })]);
      expect(delivery.payload.includes(attendee.email)).toBe(false);
      expect(receiver.on(path)).toHaveLength(1);
    });
  });
});

describe('erasure while an import runs', () => {
  it('an import that read its file before the erasure does not bring the person back; a later import may', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const email = uniqueEmail('Imported');
    const csv = `first_name,last_name,email\nIvo,Before,${email}\nUma,Unrelated,${uniqueEmail('other')}\n`;
    // The job as a running import holds it: uploaded, its file already read (no queue job: run by hand below).
    const job = await app.deps.prisma.importJob.create({
      data: { id: newId('importJob'), organisationId: seed.owner.organisationId, eventId: seed.event.id, csv, total: 2 },
    });
    const elsewhere = await createTestEvent(app.deps, seed.owner.actor, { name: 'Elsewhere' });
    expect((await postRegistration(app.url, elsewhere.id, registrationBody({ email }), { key: seed.liveKey })).status).toBe(201);
    expect(await graphqlOk(app.url, ERASE, { token: seed.owner.token, variables: { input: { email } } })).toEqual({
      erasePersonalData: { attendeesErased: 1 },
    });
    // Erasure blanked the row in the stored file; the run works from the copy it read before.
    expect((await app.deps.prisma.importJob.findUniqueOrThrow({ where: { id: job.id } })).csv.toLowerCase()).not.toContain(email.toLowerCase());
    await app.deps.prisma.importJob.update({ where: { id: job.id }, data: { csv } });
    await runImport(app.deps, { importJobId: job.id, lastAttempt: false });
    const done = await app.deps.prisma.importJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(done).toMatchObject({ status: 'COMPLETED', created: 1, skipped: 1, errors: [{ row: 2, field: 'email', message: ERASED_DURING_IMPORT }] });
    expect(await app.deps.prisma.attendee.count({ where: { eventId: seed.event.id, emailNormalized: email.toLowerCase() } })).toBe(0);

    // Uploaded after the erasure: the person registers again, as a new attendee.
    const { importAttendees } = await graphqlOk(app.url, 'mutation ($input: ImportAttendeesInput!) { importAttendees(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, csv: `first_name,last_name,email\nIvo,After,${email}\n` } },
    });
    await untilJobsSettled(app, ['imports.run']);
    expect(await app.deps.prisma.importJob.findUniqueOrThrow({ where: { id: importAttendees.id } })).toMatchObject({ status: 'COMPLETED', created: 1 });
  });
});

describe('exportPersonalData', () => {
  it('returns every record held on the person: registrations with answers, scans, emails, webhook deliveries', async () => {
    const seed = await createSeedShapedEvent(app.deps, { apiConfirmationEmails: true });
    await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/export-${seed.event.id}`);
    const email = uniqueEmail('Export');
    const attendee = await registered(seed, { email, phone: '+15550002222', custom_data: { company: 'Umbrella' } });
    const second = await createTestEvent(app.deps, seed.owner.actor, { name: 'Second event' });
    const again = await postRegistration(app.url, second.id, registrationBody({ email: email.toUpperCase() }), { key: seed.liveKey });
    expect(again.status).toBe(201);
    const stranger = await createSeedShapedEvent(app.deps);
    await registered(stranger, { email });
    const checkIn = await http(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
      body: JSON.stringify({ qr_token: attendee.qr_token }),
    });
    expect(checkIn.status).toBe(200);
    await untilJobsSettled(app, ['emails.confirmation']);
    await untilWebhooksSettled(app);

    const { exportPersonalData: data } = await graphqlOk(app.url, EXPORT, { token: seed.owner.token, variables: { input: { email: email.toUpperCase() } } });
    expect(data.email).toBe(email.toLowerCase());
    expect(data.attendees).toHaveLength(2);
    const first = data.attendees.find((a: { id: string }) => a.id === attendee.id);
    expect(first).toMatchObject({
      event: { id: seed.event.id, name: seed.event.name },
      firstName: 'Ada',
      email,
      phone: '+15550002222',
      status: 'CHECKED_IN',
      source: 'API',
      answers: [{ key: 'company', label: 'Company', value: 'Umbrella' }],
      scans: [expect.objectContaining({ outcome: 'ACCEPTED', direction: 'IN', source: 'api' })],
    });
    expect(data.emails).toEqual([expect.objectContaining({ attendeeId: attendee.id, kind: 'confirmation', to: email, status: 'SENT' })]);
    const triggers = data.webhookDeliveries.map((d: { trigger: string }) => d.trigger).sort();
    expect(triggers).toEqual(['ATTENDEE_CHECKED_IN', 'ATTENDEE_REGISTERED', 'ATTENDEE_REGISTERED']);
    const registeredDelivery = data.webhookDeliveries.find(
      (d: { attendeeId: string; trigger: string }) => d.attendeeId === attendee.id && d.trigger === 'ATTENDEE_REGISTERED',
    );
    expect(registeredDelivery.payload).toMatchObject({ trigger: 'attendee.registered', attendee_id: attendee.id, email, phone: '+15550002222' });
    // Nothing of the other organisation's attendee with the same email.
    expect(JSON.stringify(data)).not.toContain(stranger.event.id);
    const entries = await auditLog(seed.owner.token, 'personal_data.exported');
    expect(entries).toEqual([expect.objectContaining({ subjectId: emailHash(TEST_SECRET_KEY, email), actorId: seed.owner.userId })]);
    expect(JSON.stringify(entries)).not.toContain(email.split('@')[0]);
  });
});

describe('retention', () => {
  it('the daily job erases attendees of events that ended more than retentionDays ago (the event’s setting over the organisation’s)', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const ended40 = await createTestEvent(app.deps, seed.owner.actor, { name: 'Ended 40 days ago' });
    const ended40Keep = await createTestEvent(app.deps, seed.owner.actor, { name: 'Ended 40 days ago, kept 90' });
    const ended10 = await createTestEvent(app.deps, seed.owner.actor, { name: 'Ended 10 days ago' });
    const register = async (eventId: string) => {
      const r = await postRegistration(app.url, eventId, registrationBody(), { key: seed.liveKey });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const gone = [await register(ended40.id), await register(ended40.id)];
    const kept = [await register(ended40Keep.id), await register(ended10.id), await register(seed.event.id)];
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    for (const [event, days] of [
      [ended40, 40],
      [ended40Keep, 40],
      [ended10, 10],
    ] as const) {
      await app.deps.prisma.event.update({ where: { id: event.id }, data: { startsAt: daysAgo(days + 1), endsAt: daysAgo(days) } });
    }
    await graphqlOk(app.url, 'mutation { updateOrganisation(input: {retentionDays: 30}) { retentionDays } }', { token: seed.owner.token });
    const { updateEvent } = await graphqlOk(app.url, 'mutation ($input: UpdateEventInput!) { updateEvent(input: $input) { retentionDays } }', {
      token: seed.owner.token,
      variables: { input: { id: ended40Keep.id, retentionDays: 90 } },
    });
    expect(updateEvent).toEqual({ retentionDays: 90 });
    const tooLong = await graphql(app.url, 'mutation ($input: UpdateEventInput!) { updateEvent(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { id: ended40Keep.id, retentionDays: 0 } },
    });
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    await retentionJob.handler(app.deps, {}, { id: 'test', retryCount: 0, signal: new AbortController().signal });
    const rows = await app.deps.prisma.attendee.findMany({ where: { id: { in: [...gone, ...kept] } } });
    for (const row of rows) {
      if (gone.includes(row.id)) expect(row).toMatchObject({ firstName: 'Erased', phone: null, erasedAt: expect.any(Date) });
      else expect(row).toMatchObject({ firstName: 'Ada', erasedAt: null });
    }
    const entries = await auditLog(seed.owner.token, 'retention.erased');
    expect(entries.map((e) => e.subjectId).sort()).toEqual([...gone].sort());
    for (const entry of entries) expect(entry).toMatchObject({ actorType: 'system', actorId: null });
    // A second run finds nothing left to do.
    await retentionJob.handler(app.deps, {}, { id: 'test', retryCount: 0, signal: new AbortController().signal });
    expect(await auditLog(seed.owner.token, 'retention.erased')).toHaveLength(2);
  });

  it('the hourly cleanup deletes email logs (and their mailbox files) past WEBHOOK_LOG_RETENTION_DAYS and audit entries past AUDIT_LOG_RETENTION_DAYS', async () => {
    const seed = await createSeedShapedEvent(app.deps, { apiConfirmationEmails: true });
    const old = await registered(seed);
    const recent = await registered(seed);
    await untilJobsSettled(app, ['emails.confirmation']);
    const oldLog = await app.deps.prisma.emailLog.findFirstOrThrow({ where: { attendeeId: old.id } });
    expect(oldLog.devMailboxFile && existsSync(oldLog.devMailboxFile)).toBe(true);
    await app.deps.prisma.emailLog.update({ where: { id: oldLog.id }, data: { createdAt: new Date(Date.now() - 4 * 86_400_000) } });
    const auditId = newId('auditEntry');
    await app.deps.pool.query(
      `INSERT INTO audit_log (id, organisation_id, action, actor_type, created_at) VALUES ($1, $2, 'attendee.read', 'system', now() - interval '31 days')`,
      [auditId, seed.owner.organisationId],
    );
    // Outside the mailbox: never deleted, whatever a row says.
    const outside = join(app.deps.config.dataDir, 'not-mail.txt');
    writeFileSync(outside, 'keep');

    await cleanupJob.handler(app.deps, {}, { id: 'test', retryCount: 0, signal: new AbortController().signal });
    expect(await app.deps.prisma.emailLog.findUnique({ where: { id: oldLog.id } })).toBeNull();
    expect(existsSync(oldLog.devMailboxFile!)).toBe(false);
    expect(await app.deps.prisma.emailLog.count({ where: { attendeeId: recent.id } })).toBe(1);
    expect(await app.deps.prisma.auditEntry.findUnique({ where: { id: auditId } })).toBeNull();
    expect(existsSync(outside)).toBe(true);
  });

  it('pg-boss keeps finished jobs no longer than the logs (WEBHOOK_LOG_RETENTION_DAYS=3 → 3 days)', async () => {
    for (const name of ['emails.confirmation', 'emails.account', 'imports.run', 'maintenance.cleanup', 'privacy.retention']) {
      const queue = await app.deps.boss.getQueue(name);
      expect(queue?.deleteAfterSeconds, name).toBe(3 * 86_400);
    }
  });
});

describe('the audit log', () => {
  it('records who did what — settings, access, reads, exports, imports — with actor, subject and request id, per organisation', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const attendee = await registered(seed);
    const other = await createSeedShapedEvent(app.deps);
    const clientRequestId = `req-audit-${Date.now()}`;
    const renamed = await graphql(app.url, 'mutation { updateOrganisation(input: {name: "Renamed"}) { name } }', {
      token: seed.owner.token,
      headers: { 'x-request-id': clientRequestId },
    });
    expect(renamed.errors).toBeUndefined();
    await graphqlOk(app.url, 'query ($id: ID!) { attendee(id: $id) { firstName } }', { token: seed.owner.token, variables: { id: attendee.id } });
    await graphqlOk(app.url, 'query ($id: ID!) { node(id: $id) { id } }', { token: seed.owner.token, variables: { id: attendee.id } });
    await graphqlOk(app.url, 'query ($id: ID!) { attendees(eventId: $id, first: 5) { edges { node { id } } } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    // Reads with an API key are the integrator's own business: not audited as dashboard reads.
    await getJson(app.url, `/v1/events/${seed.event.id}/registrations/${attendee.id}`, seed.liveKey);
    const csv = await getJson(app.url, `/v1/events/${seed.event.id}/registrations.csv`, seed.liveKey);
    expect(csv.status).toBe(200);
    await graphqlOk(app.url, 'mutation ($input: ImportAttendeesInput!) { importAttendees(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, csv: 'first_name,last_name,email\nIvy,Import,ivy.audit@example.com\n' } },
    });
    const key = await createTestApiKey(app.deps, seed.owner.actor, 'LIVE');
    await revokeApiKey(app.deps, { actor: seed.owner.actor, input: { id: key.apiKey.id } });
    const { endpoint } = await createEndpoint(app.deps, seed.owner.actor, `${receiver.url}/audit`);
    await updateWebhookEndpoint(app.deps, { actor: seed.owner.actor, input: { id: endpoint.id, description: 'changed' } });
    await rotateWebhookSecret(app.deps, { actor: seed.owner.actor, input: { id: endpoint.id } });
    await deleteWebhookEndpoint(app.deps, { actor: seed.owner.actor, input: { id: endpoint.id } });
    await graphqlOk(app.url, 'mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { email: uniqueEmail('invitee'), role: 'ADMIN' } },
    });
    const staff = await addMember(app.deps, seed.owner.organisationId, 'STAFF');
    await removeMember(app.deps, { actor: seed.owner.actor, input: { userId: staff.userId } });
    await graphqlOk(app.url, 'mutation ($input: UpdateEventInput!) { updateEvent(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { id: seed.event.id, retentionDays: 365 } },
    });

    const entries = await auditLog(seed.owner.token);
    const actions = entries.map((e) => e.action);
    for (const action of [
      'organisation.updated',
      'attendee.read',
      'attendees.listed',
      'attendees.exported_csv',
      'attendees.imported',
      'api_key.created',
      'api_key.revoked',
      'webhook.created',
      'webhook.updated',
      'webhook.secret_rotated',
      'webhook.deleted',
      'member.invited',
      'member.removed',
      'event.updated',
    ]) {
      expect(actions, action).toContain(action);
    }
    expect(entries.filter((e) => e.action === 'attendee.read').map((e) => e.subjectId)).toEqual([attendee.id, attendee.id]);
    expect(entries.find((e) => e.action === 'attendees.listed')).toMatchObject({ subjectId: seed.event.id, actorId: seed.owner.userId });
    expect(entries.find((e) => e.action === 'organisation.updated')).toMatchObject({
      actorType: 'user',
      actorId: seed.owner.userId,
      subjectId: seed.owner.organisationId,
      // Our own id, never the caller's; theirs beside it.
      requestId: renamed.headers.get('x-request-id'),
      clientRequestId,
    });
    expect(renamed.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{20}$/);
    expect(entries.find((e) => e.action === 'attendee.read')).toMatchObject({ subjectId: attendee.id, actorId: seed.owner.userId });
    const exported = entries.find((e) => e.action === 'attendees.exported_csv')!;
    expect(exported).toMatchObject({ actorType: 'api_key', subjectId: seed.event.id });
    expect(exported.requestId).toMatch(/^req_/);
    expect(entries.find((e) => e.action === 'api_key.revoked')).toMatchObject({ subjectId: key.apiKey.id });
    expect(entries.find((e) => e.action === 'member.removed')).toMatchObject({ subjectId: staff.userId });
    // Newest first.
    const ids = entries.map((e) => e.id!);
    expect(ids).toEqual([...ids].sort().reverse());

    // Per organisation: the other one sees none of it; STAFF and API keys may not read it.
    expect((await auditLog(other.owner.token)).map((e) => e.action)).toEqual(['api_key.created', 'api_key.created']);
    const staff2 = await addMember(app.deps, seed.owner.organisationId, 'STAFF');
    expect((await graphql(app.url, AUDIT, { token: staff2.token })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(app.url, AUDIT, { token: seed.liveKey })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await graphql(app.url, AUDIT, { token: seed.owner.token, variables: { action: 'nope' } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    // Pages: two at a time, newest first, no gaps.
    const paged: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await graphqlOk(app.url, AUDIT, { token: seed.owner.token, variables: { first: 2, after } });
      paged.push(...page.auditLog.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!page.auditLog.pageInfo.hasNextPage) break;
      after = page.auditLog.pageInfo.endCursor;
    }
    expect(paged).toEqual(ids);
  });

  it('is append-only: an entry cannot be changed', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    await createCustomField(app.deps, { actor: seed.owner.actor, input: { eventId: seed.event.id, fieldKey: 'x', fieldLabel: 'X', fieldType: 'TEXT' } });
    const [entry] = await auditLog(seed.owner.token);
    expect(entry).toBeDefined();
    await expect(app.deps.pool.query(`UPDATE audit_log SET action = 'forged' WHERE id = $1`, [entry!.id])).rejects.toThrow(/append-only/);
  });
});
