import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.ts';
import { createTestDatabase } from '../support/database.ts';
import { addMember, createSeedShapedEvent, createTestEvent, createUser } from '../support/factories.ts';
import { graphql, graphqlOk, http } from '../support/http.ts';
import { freePort } from '../support/net.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * Security, round two (issue 27): each attack a stranger tried against a fresh instance, replayed against the running
 * server. The import's hostile files, the live-feed caps, erasure across tenants, erased-is-final, the owners' race,
 * wildcards in searches, request ids in the audit log, the webhook error at connection time and /metrics. (The door
 * page's re-pairing is in test/door/scanner-pairing.test.ts: it needs a browser.)
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    LIVE_MAX_SUBSCRIPTIONS_PER_SOCKET: '3',
    LIVE_MAX_SUBSCRIPTIONS_PER_CREDENTIAL: '5',
    LIVE_MAX_SUBSCRIPTIONS_PER_ORGANISATION: '7',
  });
});
afterAll(async () => {
  await app?.stop();
});

const IMPORT = 'mutation ($input: ImportAttendeesInput!) { importAttendees(input: $input) { id total errors { row field message } } }';

/**
 * The import attacks run against a server in its own process (`npm start`'s command), so that what is measured is
 * that server's event loop and memory alone — not this test process's, which also builds the hostile files.
 */
let server: ServerProcess;
let serverUrl = '';
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let owner = { token: '', eventId: '' };

/** Polls /livez every 20 ms until `until` settles: the slowest answer, and the server process's largest resident set. */
async function watchLiveness<T>(until: Promise<T>): Promise<{ result: T; slowestMs: number; peakRssMb: number }> {
  let slowest = 0;
  let peak = rssOf(server.child.pid!);
  let done = false;
  const polling = (async () => {
    while (!done) {
      const started = performance.now();
      await fetch(`${serverUrl}/livez`).then((r) => r.text());
      slowest = Math.max(slowest, performance.now() - started);
      peak = Math.max(peak, rssOf(server.child.pid!));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { result: await until, slowestMs: slowest, peakRssMb: peak };
  } finally {
    done = true;
    await polling;
  }
}

/** A process's resident set in MB (Linux). */
function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/**
 * A client in another process, as a real one would be, that POSTs a GraphQL body when told to: started (and its body
 * written to a file) beforehand. curl: next to no CPU on this machine's two cores.
 */
function uploader(body: string, token: string): { send(): Promise<any> } {
  const dir = mkdtempSync(join(tmpdir(), 'eventogate-upload-'));
  const file = join(dir, 'body.json');
  writeFileSync(file, body);
  const child = spawn(
    'sh',
    [
      '-c',
      'read go && exec curl -sS -X POST -H "content-type: application/json" -H "authorization: Bearer $1" --data-binary "@$2" "$3"',
      'sh',
      token,
      file,
      `${serverUrl}/graphql`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}`)))));
  return {
    async send() {
      child.stdin.end('go\n');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      return JSON.parse(output);
    },
  };
}

const JOB = 'query ($id: ID!) { importJob(id: $id) { status processed } }';

describe('1. a hostile CSV import', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    serverUrl = `http://127.0.0.1:${port}`;
    server = spawnServer({ DATABASE_URL: database.url, SECRET_KEY: TEST_SECRET_KEY, PORT: String(port), HOST: '127.0.0.1', DEMO_SEED: 'false' });
    await server.waitFor(/EventoGate is running/, 90_000);
    const { signUp } = await graphqlOk(
      serverUrl,
      'mutation { signUp(input: { email: "importer@example.com", password: "a-long-importer-password", name: "I", organisationName: "Imports" }) { token } }',
    );
    const { createEvent } = await graphqlOk(
      serverUrl,
      'mutation { createEvent(input: { name: "Big import", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC" }) { id } }',
      { token: signUp.token },
    );
    owner = { token: signUp.token, eventId: createEvent.id };
  }, 120_000);
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited();
    await database?.drop();
  });

  it('a header of a million empty columns is refused at once, before any per-column work; nothing is written', async () => {
    const csv = `first_name,last_name,email${','.repeat(1_000_000)}\nAda,Lovelace,ada@example.com\n`;
    const client = uploader(JSON.stringify({ query: IMPORT, variables: { input: { eventId: owner.eventId, csv } } }), owner.token);
    const started = performance.now();
    const { result, slowestMs } = await watchLiveness(client.send());
    const ms = performance.now() - started;
    console.info(`million-column header: refused in ${ms.toFixed(0)} ms; /livez slowest ${slowestMs.toFixed(0)} ms`);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: { csv: ['The csv field must not have more than 500 columns (row 1 has more).'] },
    });
    expect(ms).toBeLessThan(2_000);
    // Quiet, /livez answers within 20–40 ms here (the 200 ms target is the bench's: BENCH_ONLY=import); this bound
    // holds under the suite's load too, and a blocked event loop (seconds, before) breaks it.
    expect(slowestMs).toBeLessThan(1_500);
    const { importJobs } = await graphqlOk(serverUrl, 'query ($id: ID!) { importJobs(eventId: $id) { totalCount } }', {
      token: owner.token,
      variables: { id: owner.eventId },
    });
    expect(importJobs.totalCount).toBe(0);
  });

  it('a cell past 10,000 characters and a record past 500 columns are refused with the row named', async () => {
    const long = await graphql(serverUrl, IMPORT, {
      token: owner.token,
      variables: { input: { eventId: owner.eventId, csv: `first_name,last_name,email\nAda,${'x'.repeat(10_001)},a@example.com\n` } },
    });
    expect(long.errors?.[0]?.extensions?.errors).toEqual({ csv: ['A cell of the csv field must not be longer than 10000 characters (row 2).'] });
    const wide = await graphql(serverUrl, IMPORT, {
      token: owner.token,
      variables: { input: { eventId: owner.eventId, csv: `first_name,last_name,email\nAda,Lovelace,a@example.com${',x'.repeat(600)}\n` } },
    });
    expect(wide.errors?.[0]?.extensions?.errors).toEqual({ csv: ['The csv field must not have more than 500 columns (row 2 has more).'] });
    // A large body is parsed a slice at a time; "__proto__" stays an ordinary key there too (an unknown field).
    const padded = JSON.stringify({
      query: IMPORT,
      variables: { input: { eventId: owner.eventId, csv: 'x'.repeat(600_000), ['__proto__']: { dryRun: true } } },
    });
    const proto = await fetch(`${serverUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
      body: padded.replace('"input":{', '"input":{"__proto__":{"dryRun":true},'),
    });
    const protoBody = (await proto.json()) as { errors: Array<{ message: string }> };
    expect(protoBody.errors[0]!.message).toMatch(/"__proto__" is not defined by type "ImportAttendeesInput"/);
  });

  it('the largest file allowed, 500 columns wide, keeps /livez answering and memory bounded; unknown columns are one error', async () => {
    const unknown = Array.from({ length: 497 }, (_, i) => `extra_${i}`);
    const header = `first_name,last_name,email,${unknown.join(',')}\n`;
    const cells = unknown.map(() => 'z').join(',');
    const rows: string[] = [];
    let size = header.length;
    for (let i = 0; size < 10 * 1024 * 1024 - 2_000; i++) {
      const row = `Guest,No ${i},guest${i}@example.com,${cells}\n`;
      rows.push(row);
      size += row.length;
    }
    const csv = header + rows.join('');
    const client = uploader(JSON.stringify({ query: IMPORT, variables: { input: { eventId: owner.eventId, csv, dryRun: true } } }), owner.token);
    const before = rssOf(server.child.pid!);
    const { result, slowestMs, peakRssMb } = await watchLiveness(
      (async () => {
        const started = (await client.send()).data as { importAttendees: { id: string; errors: unknown[] } };
        // The job reads the file again, in the background: watched until it has finished.
        for (;;) {
          const { importJob } = await graphqlOk(serverUrl, JOB, { token: owner.token, variables: { id: started.importAttendees.id } });
          if (importJob.status === 'COMPLETED' || importJob.status === 'FAILED') return { started, job: importJob as { status: string; processed: number } };
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
    );
    console.info(
      `largest allowed import (${(csv.length / 1024 / 1024).toFixed(1)} MB, ${rows.length} rows × 500 columns, dry run): ` +
        `/livez slowest ${slowestMs.toFixed(0)} ms; server RSS ${before.toFixed(0)} → peak ${peakRssMb.toFixed(0)} MB`,
    );
    expect(result.job).toEqual({ status: 'COMPLETED', processed: rows.length });
    expect(result.started.importAttendees.errors).toEqual([
      {
        row: 1,
        field: 'header',
        message: `Unknown columns ${unknown
          .slice(0, 20)
          .map((c) => `"${c}"`)
          .join(', ')} and 477 more (ignored).`,
      },
    ]);
    // Quiet, 100–130 ms here (the 200 ms target is checked by the bench, BENCH_ONLY=import, on a quiet machine); under
    // the suite's load, up to ~500 ms of CPU contention. Before the fix the event loop stopped for seconds (a sync parse
    // of 4 s for this file, 55 s for the million-column header): this bound catches that, whatever the load.
    expect(slowestMs).toBeLessThan(1_500);
    expect(peakRssMb - before).toBeLessThan(400);
  });
});

const CHECK_INS = 'subscription ($id: ID!) { checkIns(eventId: $id) { attendee { id } } }';

/** A graphql-ws client with several subscriptions on one socket; each reports its first error (or nothing). */
function socket(token: string) {
  const client = createClient({
    url: `${app.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  const subscribe = (eventId: string) => {
    const errors: Array<{ message: string; extensions?: { code?: string } }> = [];
    const stop = client.subscribe(
      { query: CHECK_INS, variables: { id: eventId } },
      {
        next: (m) => void (m.errors && errors.push(...(m.errors as never[]))),
        error: (e) => void errors.push(...(Array.isArray(e) ? e : [e])),
        complete: () => {},
      },
    );
    return { errors, stop };
  };
  return { client, subscribe };
}

async function settled(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('2. live feeds are capped per socket, per credential and per organisation', () => {
  it('refuses the fourth subscription on one socket, the sixth of one credential and the eighth of one organisation with RATE_LIMITED', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const organisationId = seed.owner.organisationId;
    const held = () => app.deps.liveLimits.held(organisationId);
    // Which of the subscriptions sent together is refused depends on arrival order: exactly one is.
    const refused = (group: Array<{ errors: Array<{ message: string; extensions?: { code?: string } }> }>) => group.flatMap((s) => s.errors);
    const one = socket(seed.owner.token);
    const first = [1, 2, 3, 4].map(() => one.subscribe(seed.event.id));
    await settled(() => held() === 3 && refused(first).length === 1);
    expect(refused(first)).toEqual([
      expect.objectContaining({
        message: 'Too many live subscriptions (at most 3 per connection). End some before starting another.',
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 10 },
      }),
    ]);

    // The same session on a second socket: two more fit (5 per credential), the third is refused.
    const two = socket(seed.owner.token);
    const second = [1, 2, 3].map(() => two.subscribe(seed.event.id));
    await settled(() => held() === 5 && refused(second).length === 1);
    expect(refused(second)[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(refused(second)[0]!.message).toContain('per credential');

    // Another member of the organisation: two more fit (7 per organisation), then SSE and the devices' stream are refused too.
    const admin = await addMember(app.deps, organisationId, 'ADMIN');
    const three = socket(admin.token);
    const third = [1, 2, 3].map(() => three.subscribe(seed.event.id));
    await settled(() => held() === 7 && refused(third).length === 1);
    expect(refused(third)[0]!.message).toContain('per organisation');
    const sse = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ query: CHECK_INS, variables: { id: seed.event.id } }),
    });
    const sseText = await sse.text();
    expect(sseText).toContain('"code":"RATE_LIMITED"');
    const { createScannerDevice } = await graphqlOk(app.url, 'mutation ($i: CreateScannerDeviceInput!) { createScannerDevice(input: $i) { token } }', {
      token: seed.owner.token,
      variables: { i: { eventId: seed.event.id, name: 'Door 1' } },
    });
    const device = await http(`${app.url}/v1/scanner/occupancy`, { headers: { authorization: `Bearer ${createScannerDevice.token}` } });
    expect([device.status, device.body]).toEqual([
      429,
      { error: 'rate_limited', message: 'Too many live subscriptions (at most 7 per organisation). End some before starting another.' },
    ]);
    expect(device.headers.get('retry-after')).toBe('10');

    // Another organisation is not held back by this one.
    const other = await createSeedShapedEvent(app.deps);
    const four = socket(other.owner.token);
    const theirs = four.subscribe(other.event.id);
    await settled(() => app.deps.liveLimits.held(other.owner.organisationId) === 1);
    expect(theirs.errors).toEqual([]);

    // Ending subscriptions frees their slots.
    await one.client.dispose();
    await settled(() => held() === 4);
    const again = three.subscribe(seed.event.id);
    await settled(() => held() === 5);
    expect(again.errors).toEqual([]);
    for (const s of [two, three, four]) await s.client.dispose();
    await settled(() => held() === 0);
  });
});

describe('3. erasure stays in its tenant', () => {
  it('erasePersonalData takes an email only, and never touches another organisation’s jobs', async () => {
    const mine = await createSeedShapedEvent(app.deps);
    // Another organisation's job holding a person's email and the word an attacker would try.
    const jobId = await app.deps.boss.send('emails.account', { to: 'shared.person@example.com', kind: 'verify_email', note: 'secret' });
    const before = await app.deps.pool.query('SELECT data FROM pgboss.job WHERE id = $1', [jobId]);
    const word = await graphql(app.url, 'mutation { erasePersonalData(input: { email: "secret" }) { attendeesErased } }', { token: mine.owner.token });
    expect(word.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: { email: ['The email field must be a valid email address.'] } });
    const email = await graphqlOk(app.url, 'mutation { erasePersonalData(input: { email: "Shared.Person@example.com" }) { attendeesErased } }', {
      token: mine.owner.token,
    });
    expect(email.erasePersonalData.attendeesErased).toBe(0);
    expect((await app.deps.pool.query('SELECT data FROM pgboss.job WHERE id = $1', [jobId])).rows).toEqual(before.rows);
  });
});

describe('4. erased is final at the door', () => {
  it('a manual check-in by id (REST, GraphQL, a device upload) and a status change are refused, and the scan log says erased', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    const attendee = (await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).body as { id: string };
    await graphqlOk(app.url, 'mutation ($id: ID!) { eraseAttendee(input: { attendeeId: $id }) { erasedAt } }', {
      token: seed.owner.token,
      variables: { id: attendee.id },
    });
    const message = 'This attendee’s personal data was erased; they cannot be checked in.';

    const rest = await http(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
      body: JSON.stringify({ attendee_id: attendee.id }),
    });
    expect([rest.status, rest.body]).toEqual([422, { message: 'The given data was invalid.', errors: { attendee_id: [message] } }]);
    const gql = await graphql(app.url, 'mutation ($id: ID!) { checkIn(input: { attendeeId: $id }) { alreadyCheckedIn } }', {
      token: seed.owner.token,
      variables: { id: attendee.id },
    });
    expect(gql.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: { attendeeId: [message] } });
    const status = await graphql(app.url, 'mutation ($id: ID!) { setAttendeeStatus(input: { attendeeId: $id, status: CHECKED_IN }) { status } }', {
      token: seed.owner.token,
      variables: { id: attendee.id },
    });
    expect(status.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: { attendeeId: ['This attendee’s personal data was erased; their status cannot change.'] },
    });

    const { createScannerDevice } = await graphqlOk(app.url, 'mutation ($i: CreateScannerDeviceInput!) { createScannerDevice(input: $i) { token } }', {
      token: seed.owner.token,
      variables: { i: { eventId: seed.event.id, name: 'Door' } },
    });
    const upload = await http(`${app.url}/v1/scanner/scans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${createScannerDevice.token}` },
      body: JSON.stringify({
        scans: [{ nonce: 'n-erased-1', attendee_id: attendee.id, scanned_at: new Date().toISOString(), direction: 'in', offline: true }],
      }),
    });
    expect((upload.body as { results: unknown[] }).results).toEqual([expect.objectContaining({ nonce: 'n-erased-1', outcome: 'rejected', reason: 'erased' })]);

    const row = await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendee.id } });
    expect([row.status, row.checkedInAt]).toEqual(['REGISTERED', null]);
    const scans = await app.deps.prisma.scan.findMany({ where: { attendeeId: attendee.id }, orderBy: { receivedAt: 'asc' } });
    expect(scans.map((s) => [s.outcome, s.reason])).toEqual([
      ['REJECTED', 'erased'],
      ['REJECTED', 'erased'],
      ['REJECTED', 'erased'],
    ]);
  });
});

describe('5. the last owner under concurrency', () => {
  it('two owners removing each other at the same moment: one wins, the organisation keeps an owner (every round)', async () => {
    for (let round = 0; round < 8; round++) {
      const first = await createUser(app.deps);
      const second = await addMember(app.deps, first.organisationId, 'ADMIN');
      await app.deps.prisma.membership.update({
        where: { userId_organisationId: { userId: second.userId, organisationId: first.organisationId } },
        data: { role: 'OWNER' },
      });
      const remove = (token: string, userId: string) =>
        graphql(app.url, 'mutation ($id: ID!) { removeMember(input: { userId: $id }) }', { token, variables: { id: userId } });
      const results = await Promise.all([remove(first.token, second.userId), remove(second.token, first.userId)]);
      expect(results.filter((r) => !r.errors).length).toBe(1);
      expect(await app.deps.prisma.membership.count({ where: { organisationId: first.organisationId, role: 'OWNER' } })).toBe(1);
    }
  });
});

describe('6. % and _ in searches are literal', () => {
  it('REST q= and events(search:) match the characters themselves', async () => {
    const seed = await createSeedShapedEvent(app.deps, { name: 'Plain Event' });
    await createTestEvent(app.deps, seed.owner.actor, { name: '100% Fun_Day' });
    await postRegistration(app.url, seed.event.id, registrationBody({ first_name: 'Ann', last_name: 'Smith' }), { key: seed.liveKey });
    await postRegistration(app.url, seed.event.id, registrationBody({ first_name: 'Jo_e', last_name: 'Percent%' }), { key: seed.liveKey });
    const list = async (q: string) =>
      (
        (await http(`${app.url}/v1/events/${seed.event.id}/registrations?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${seed.liveKey}` } }))
          .body as {
          data: Array<{ first_name: string }>;
        }
      ).data.map((a) => a.first_name);
    expect(await list('%')).toEqual(['Jo_e']);
    expect(await list('_')).toEqual(['Jo_e']);
    expect(await list('a_n')).toEqual([]);
    const events = async (search: string) =>
      (
        await graphqlOk(app.url, 'query ($s: String) { events(search: $s) { edges { node { name } } } }', { token: seed.owner.token, variables: { s: search } })
      ).events.edges.map((e: { node: { name: string } }) => e.node.name);
    expect(await events('%')).toEqual(['100% Fun_Day']);
    // As a wildcard, 1_0 would match "100".
    expect(await events('1_0')).toEqual([]);
    expect(await events('_')).toEqual(['100% Fun_Day']);
  });
});

describe('7. the audit log’s request id is ours', () => {
  it('a caller’s X-Request-Id goes to clientRequestId (capped), never into requestId', async () => {
    const user = await createUser(app.deps);
    const renamed = await graphql(app.url, 'mutation { updateOrganisation(input: { name: "Renamed Org" }) { name } }', {
      token: user.token,
      headers: { 'x-request-id': `spoofed-${'x'.repeat(300)}` },
    });
    expect(renamed.errors).toBeUndefined();
    const ours = renamed.headers.get('x-request-id');
    expect(ours).toMatch(/^req_[0-9a-f]{20}$/);
    const { auditLog } = await graphqlOk(app.url, '{ auditLog(action: "organisation.updated") { edges { node { requestId clientRequestId } } } }', {
      token: user.token,
    });
    expect(auditLog.edges[0].node).toEqual({ requestId: ours, clientRequestId: `spoofed-${'x'.repeat(120)}` });
  });
});

describe('8. webhook errors at connection time name the rule, not our addresses', () => {
  it('an endpoint whose name resolves to a loopback address gets an attempt error without the address', async () => {
    const seed = await createSeedShapedEvent(app.deps);
    // Saved before its name pointed inside (DNS changes later): written straight to the table, as the save check would have passed.
    const { createWebhookEndpoint } = await graphqlOk(
      app.url,
      'mutation { createWebhookEndpoint(input: { url: "https://93.184.216.34/hook" }) { endpoint { id } } }',
      {
        token: seed.owner.token,
      },
    );
    const id = createWebhookEndpoint.endpoint.id as string;
    await app.deps.prisma.webhookEndpoint.update({ where: { id }, data: { url: 'http://localhost:9/hook' } });
    const { sendTestWebhook } = await graphqlOk(
      app.url,
      'mutation ($id: ID!) { sendTestWebhook(input: { endpointId: $id }) { attempts { error errorClass } } }',
      {
        token: seed.owner.token,
        variables: { id },
      },
    );
    const attempt = sendTestWebhook.attempts[0] as { error: string; errorClass: string };
    expect(attempt.errorClass).toBe('blocked_target');
    expect(attempt.error).toBe('refused to connect: must not point to a private or special-purpose address (localhost resolves to a loopback address)');
    expect(attempt.error).not.toMatch(/127\.0\.0\.1|::1/);
  });
});

describe('10. /metrics', () => {
  it('on a non-loopback HOST without METRICS_TOKEN answers 404; with METRICS_PORT it lives on that port only', async () => {
    const open = await startTestApp({ HOST: '0.0.0.0' });
    try {
      const url = open.url.replace('0.0.0.0', '127.0.0.1');
      expect((await http(`${url}/metrics`)).status).toBe(404);
      expect((await http(`${url}/livez`)).status).toBe(200);
    } finally {
      await open.stop();
    }
    const metricsPort = await freePort();
    const split = await startTestApp({ METRICS_PORT: String(metricsPort) });
    try {
      expect((await http(`${split.url}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('eventogate_http_requests_total');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/graphql`)).status).toBe(404);
    } finally {
      await split.stop();
    }
    const guarded = await startTestApp({ HOST: '0.0.0.0', METRICS_TOKEN: 'a-metrics-token-of-some-length' });
    try {
      const url = guarded.url.replace('0.0.0.0', '127.0.0.1');
      expect((await http(`${url}/metrics`)).status).toBe(401);
      expect((await http(`${url}/metrics`, { headers: { authorization: 'Bearer a-metrics-token-of-some-length' } })).status).toBe(200);
    } finally {
      await guarded.stop();
    }
  });
});
