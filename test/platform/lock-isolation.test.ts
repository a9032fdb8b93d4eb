import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * #33 item 1: one tenant's lock never stalls another. Someone (a long transaction, an operator at a psql prompt)
 * holds organisation A's rows locked. A's requests wait at most DATABASE_LOCK_TIMEOUT_MS and get the documented 503
 * with Retry-After; B's and C's registrations and check-ins go on as if nothing happened — the batches that group
 * them are per event, so A's stuck ones hold only A's slots — and /readyz and /metrics answer at once.
 */
const LOCK_TIMEOUT_MS = 2_000;
const UNAVAILABLE = {
  error: 'service_unavailable',
  message: 'The service is temporarily unavailable. Nothing was changed; retry in a few seconds.',
};

let app: TestApp;
let admin: pg.Client;
let a: Awaited<ReturnType<typeof createSeedShapedEvent>>;
let b: Awaited<ReturnType<typeof createSeedShapedEvent>>;
let c: Awaited<ReturnType<typeof createSeedShapedEvent>>;

beforeAll(async () => {
  app = await startTestApp({ DATABASE_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS) });
  admin = new pg.Client({ connectionString: app.databaseUrl });
  await admin.connect();
  // A's event sends a confirmation email for API registrations (a pg-boss job); B's and C's send nothing.
  a = await createSeedShapedEvent(app.deps, { apiConfirmationEmails: true });
  b = await createSeedShapedEvent(app.deps);
  c = await createSeedShapedEvent(app.deps);
}, 60_000);

afterAll(async () => {
  await admin?.end();
  await app?.stop();
});

interface Timed {
  status: number;
  ms: number;
  body: unknown;
  retryAfter: string | null;
}

async function timed(request: () => Promise<{ status: number; body: unknown; headers: Headers }>): Promise<Timed> {
  const started = performance.now();
  const result = await request();
  return { status: result.status, ms: performance.now() - started, body: result.body, retryAfter: result.headers.get('retry-after') };
}

const register = (seed: typeof a, email?: string) =>
  timed(() => postRegistration(app.url, seed.event.id, registrationBody(email ? { email } : {}), { key: seed.liveKey }));

const checkIn = (seed: typeof a, qrToken: string) =>
  timed(() =>
    http(`${app.url}/v1/events/${seed.event.id}/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.liveKey}` },
      body: JSON.stringify({ qr_token: qrToken }),
    }),
  );

async function attendees(seed: typeof a, n: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey });
    expect(res.status).toBe(201);
    tokens.push(res.body.qr_token as string);
  }
  return tokens;
}

/** Until `n` of the app's connections wait on a lock (the held one): the stuck requests are really in flight. */
async function waitingOnLocks(n: number): Promise<void> {
  await expect
    .poll(
      async () =>
        (
          await admin.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          )
        ).rows[0]!.n,
      { timeout: 5_000, interval: 20 },
    )
    .toBeGreaterThanOrEqual(n);
}

/** Runs `count` calls of `call`, `concurrency` at a time. */
async function load<T>(count: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await call(i);
      }
    }),
  );
  return results;
}

function p99(ms: number[]): number {
  const sorted = [...ms].sort((x, y) => x - y);
  return sorted[Math.ceil(sorted.length * 0.99) - 1]!;
}

/**
 * A's stuck request: the documented 503, once the lock timeout passed and not much later. PostgreSQL times each lock
 * wait, not the transaction: a request of A that queued behind another of A's (two of an event's batches run at once)
 * waits for that one, then for the lock itself — `waits` 2.
 */
function expectTimedOut(result: Timed, waits: 1 | 2): void {
  expect(result.status).toBe(503);
  expect(result.body).toEqual(UNAVAILABLE);
  expect(result.retryAfter).toBe('5');
  expect(result.ms).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 50);
  expect(result.ms).toBeLessThan(waits * LOCK_TIMEOUT_MS + 1_500);
}

async function holding<T>(lock: string, params: unknown[], during: () => Promise<T>): Promise<T> {
  const holder = new pg.Client({ connectionString: app.databaseUrl });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(lock, params);
    return await during();
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
}

describe('a lock held on one organisation’s rows', () => {
  it('its event row: A gets 503 within the lock timeout, B and C register and check in as usual', async () => {
    const [aToken] = await attendees(a, 1);
    const bTokens = await attendees(b, 20);
    const cTokens = await attendees(c, 20);

    const { stuck, others } = await holding('SELECT id FROM events WHERE id = $1 FOR UPDATE', [a.event.id], async () => {
      // A's requests arrive one after the other, so each is a batch of its own: on one process-wide batcher they
      // would hold every slot there is.
      const stuck = [register(a)];
      await waitingOnLocks(1);
      stuck.push(register(a));
      await waitingOnLocks(2);
      stuck.push(checkIn(a, aToken!));
      await waitingOnLocks(3);
      stuck.push(checkIn(a, aToken!));
      await waitingOnLocks(4);
      const others = await load(80, 8, (i) => {
        const seed = i % 2 === 0 ? b : c;
        return i < 40 ? register(seed) : checkIn(seed, (i % 2 === 0 ? bTokens : cTokens)[(i - 40) >> 1]!);
      });
      return { stuck: await Promise.all(stuck), others };
    });

    expect(others.map((r) => r.status)).toEqual([...Array(40).fill(201), ...Array(40).fill(200)]);
    expect(p99(others.map((r) => r.ms))).toBeLessThan(1_000);
    for (const [i, result] of stuck.entries()) expectTimedOut(result, i % 2 === 0 ? 1 : 2);
    // Nothing of A's refused requests was written; once the lock is gone A works again.
    expect(await app.deps.prisma.attendee.count({ where: { eventId: a.event.id } })).toBe(1);
    expect((await app.deps.prisma.attendee.findFirstOrThrow({ where: { eventId: a.event.id } })).status).toBe('REGISTERED');
    expect((await register(a)).status).toBe(201);
    expect((await checkIn(a, aToken!)).status).toBe(200);
  }, 60_000);

  it('its attendees: A’s check-in gets 503 within the lock timeout, B’s check-ins go on', async () => {
    const [aToken] = await attendees(a, 1);
    const bTokens = await attendees(b, 30);
    const { stuck, others } = await holding('SELECT id FROM attendees WHERE event_id = $1 FOR UPDATE', [a.event.id], async () => {
      const stuck = [checkIn(a, aToken!)];
      await waitingOnLocks(1);
      stuck.push(checkIn(a, aToken!));
      await waitingOnLocks(2);
      const others = await load(30, 6, (i) => checkIn(b, bTokens[i]!));
      return { stuck: await Promise.all(stuck), others };
    });
    expect(others.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(p99(others.map((r) => r.ms))).toBeLessThan(1_000);
    for (const [i, result] of stuck.entries()) expectTimedOut(result, i % 2 === 0 ? 1 : 2);
    expect(await app.deps.prisma.scan.count({ where: { eventId: a.event.id } })).toBe(1);
  }, 60_000);

  it('LOCK TABLE pgboss.job: events that send nothing register as usual, a mailing one gets 503; /readyz and /metrics answer at once', async () => {
    const { stuck, others, ready, metrics } = await holding('LOCK TABLE pgboss.job IN ACCESS EXCLUSIVE MODE', [], async () => {
      const stuck = [register(a)];
      await waitingOnLocks(1);
      stuck.push(register(a));
      await waitingOnLocks(2);
      const others = await load(40, 8, (i) => register(i % 2 === 0 ? b : c));
      const ready = await timed(() => http(`${app.url}/readyz`));
      const metrics = await timed(() => http(`${app.url}/metrics`));
      return { stuck: await Promise.all(stuck), others, ready, metrics };
    });
    expect(others.map((r) => r.status)).toEqual(Array(40).fill(201));
    expect(p99(others.map((r) => r.ms))).toBeLessThan(1_000);
    for (const [i, result] of stuck.entries()) expectTimedOut(result, i % 2 === 0 ? 1 : 2);
    expect([ready.status, ready.ms < 1_000]).toEqual([200, true]);
    expect([metrics.status, metrics.ms < 1_000]).toEqual([200, true]);
    // The queue gauge could not be read behind the lock: it says so, and the rest of the scrape is there.
    expect(metrics.body).toContain('eventogate_metrics_source_errors_total{gauge="eventogate_job_queue_jobs"} 1');
    expect(metrics.body).toContain('eventogate_webhook_backlog ');
  }, 60_000);
});

describe('database timeouts', () => {
  it('every pool’s connections carry them: ours, Prisma’s and pg-boss’s', async () => {
    const show = 'SELECT current_setting($1) AS value';
    const settings = async (query: (name: string) => Promise<string>) => [await query('lock_timeout'), await query('statement_timeout')];
    expect(await settings(async (name) => (await app.deps.pool.query<{ value: string }>(show, [name])).rows[0]!.value)).toEqual(['2s', '15s']);
    expect(
      await settings(async (name) => (await app.deps.prisma.$queryRawUnsafe<Array<{ value: string }>>('SELECT current_setting($1) AS value', name))[0]!.value),
    ).toEqual(['2s', '15s']);
    const bossDb = app.deps.boss.getDb() as { executeSql(text: string, values: unknown[]): Promise<{ rows: Array<{ value: string }> }> };
    expect(await settings(async (name) => (await bossDb.executeSql(show, [name])).rows[0]!.value)).toEqual(['2s', '15s']);
  });

  it('a statement past DATABASE_STATEMENT_TIMEOUT_MS is cancelled: 503, nothing written, a warning naming why', async () => {
    const lines: string[] = [];
    const short = await startTestApp(
      { ROLE: 'api', LOG_LEVEL: 'warn', DATABASE_LOCK_TIMEOUT_MS: '60000', DATABASE_STATEMENT_TIMEOUT_MS: '1000' },
      { databaseUrl: app.databaseUrl, logLines: lines },
    );
    try {
      const email = 'slow@example.com';
      const result = await holding('SELECT id FROM events WHERE id = $1 FOR UPDATE', [a.event.id], () =>
        timed(() => postRegistration(short.url, a.event.id, registrationBody({ email }), { key: a.liveKey })),
      );
      expect([result.status, result.body, result.retryAfter]).toEqual([503, UNAVAILABLE, '5']);
      expect(result.ms).toBeLessThan(2_500);
      expect(await app.deps.prisma.attendee.count({ where: { email } })).toBe(0);
      const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string; err?: unknown });
      expect(logged.filter((l) => l.msg === 'answered 503').map((l) => [l.level, l.reason, l.err])).toEqual([[40, 'database statement timed out', undefined]]);
      expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      await short.close();
    }
  }, 60_000);
});
