import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEANUP_JOB as cleanupJob } from '../../src/features.ts';
import { Clock } from '../../src/lib/clock.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent, createUser, idempotencyKeyRow } from '../support/factories.ts';
import { http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * #33 item 5: a process whose clock is ten minutes off (ahead or behind; the clock is injected, no faketime) keeps
 * time by the database's: the webhook retry comes after its delay (not 10 minutes late, not at once), the
 * webhook-timestamp receivers check is right, the hourly cleanup keeps what has minutes left, rate-limit windows are
 * the ones the other processes use, and start-up warns that the clocks differ.
 */
const SKEW_MS = 10 * 60_000;
const RETRY_MS = 2_000;

let database: TestApp;
let receiver: WebhookReceiver;

beforeAll(async () => {
  // The database (and a process with a right clock) the skewed processes share.
  database = await startTestApp({ ROLE: 'api', API_RATE_LIMIT_PER_MIN: '3' });
  receiver = await new WebhookReceiver().start();
}, 60_000);
afterAll(async () => {
  await receiver?.stop();
  await database?.stop();
});

describe('Clock', () => {
  it('trusts the shortest of three round trips: a first read that also opened a connection is not the offset', async () => {
    // The process clock reads 0, 1000 (the first read took a second: a connection opened), then 1001, 1003, 1004, 1006.
    const times = [0, 1_000, 1_001, 1_003, 1_004, 1_006];
    const clock = new Clock(() => times.shift()!);
    // The database is exactly 5 s ahead, its clock read at the end of each round trip.
    const reads = [1_000 + 5_000, 1_003 + 5_000, 1_006 + 5_000];
    expect(await clock.sync(async () => reads.shift()!)).toBe(5_001);
  });
});

describe.each([
  ['ahead', SKEW_MS],
  ['behind', -SKEW_MS],
])('a process whose clock is ten minutes %s', (_, skew) => {
  let skewed: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    skewed = await startTestApp(
      { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_DELAYS_MS: String(RETRY_MS), API_RATE_LIMIT_PER_MIN: '3', LOG_LEVEL: 'warn' },
      { databaseUrl: database.databaseUrl, processClock: () => Date.now() + skew, logLines: lines },
    );
  }, 60_000);
  afterAll(async () => {
    await skewed?.close();
  });

  it('warns at start that its clock differs from the database’s', () => {
    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string; offsetMs?: number });
    const warning = warnings.find((w) => w.msg.startsWith('This process’s clock') || w.msg.startsWith("This process's clock"));
    expect(warning?.level).toBe(40);
    expect(Math.abs(warning!.offsetMs! + skew)).toBeLessThan(5_000);
    expect(warning!.msg).toContain(skew > 0 ? '600 s ahead of the database' : '600 s behind the database');
  });

  it('keeps the webhook retry schedule and signs with the right time', async () => {
    const seed = await createSeedShapedEvent(database.deps);
    const path = `/skew-${skew}`;
    await createEndpoint(skewed.deps, seed.owner.actor, `${receiver.url}${path}`);
    // The first attempt fails (count includes the request being answered), the retry succeeds.
    receiver.respond = ({ path: hit, count }) => ({ status: hit === path && count === 1 ? 500 : 200 });
    expect((await postRegistration(skewed.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
    await receiver.waitFor(() => receiver.on(path).length >= 2, 20_000);
    const [first, second] = receiver.on(path);
    const gap = second!.at - first!.at;
    expect(gap).toBeGreaterThanOrEqual(RETRY_MS - 100);
    expect(gap).toBeLessThan(RETRY_MS + 3_000);
    for (const hit of [first!, second!]) {
      expect(Math.abs(Number(hit.headers['webhook-timestamp']) * 1000 - hit.at)).toBeLessThan(5_000);
    }
  }, 30_000);

  it('cuts off at the database’s time: what has five minutes left stays, what expired goes', async () => {
    const seed = await createSeedShapedEvent(database.deps);
    const user = await createUser(database.deps);
    const other = await createUser(database.deps);
    const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);
    const key = (expiresAt: Date) => idempotencyKeyRow(seed, expiresAt);
    const [live, expired] = [key(inMinutes(5)), key(inMinutes(-1))];
    await database.deps.prisma.idempotencyKey.createMany({ data: [live, expired] });
    await database.deps.prisma.session.update({ where: { id: user.sessionId }, data: { expiresAt: inMinutes(5) } });
    await database.deps.prisma.session.update({ where: { id: other.sessionId }, data: { expiresAt: inMinutes(-1) } });

    await cleanupJob.handler(skewed.deps, {}, { id: 'manual', retryCount: 0, signal: new AbortController().signal });

    expect((await database.deps.prisma.idempotencyKey.findMany({ where: { id: { in: [live.id, expired.id] } } })).map((k) => k.id)).toEqual([live.id]);
    expect(await database.deps.prisma.session.count({ where: { id: { in: [user.sessionId, other.sessionId] } } })).toBe(1);
    // The session with five minutes left still works through the skewed process.
    const viewer = await http<{ data: { viewer: { user: { email: string } | null } | null } }>(`${skewed.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: '{ viewer { user { email } } }' }),
    });
    expect(viewer.body.data.viewer?.user?.email).toBe(user.email);
  });

  it('shares the other processes’ rate-limit window: no fresh budget by being ahead', async () => {
    const seed = await createSeedShapedEvent(database.deps);
    const statuses: number[] = [];
    for (const app of [database, skewed, database, skewed]) {
      statuses.push((await http(`${app.url}/v1/events/${seed.event.id}/registrations`, { headers: { authorization: `Bearer ${seed.liveKey}` } })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
