// Ten EventoGate processes behind one PgBouncer (issue 31): `npm run bench:ten`.
//
// Debian's PostgreSQL 15 with max_connections = 100, Debian's PgBouncer 1.18 in transaction mode in front of it
// (70 server connections), and 6 API + 4 worker processes with DATABASE_URL at the pooler and DATABASE_DIRECT_URL at
// the database (each: one LISTEN and one readiness connection direct, DATABASE_POOL_SIZE=20 through the pooler).
// Registrations are loaded on all six API processes at once, each firing a webhook to a receiver here; then:
// how many answers were 503 (aim 0), how many webhooks were lost (aim 0), the most connections PostgreSQL held, and
// how long a check-in takes to reach a live feed on another process, a revoked key to be refused by another, and an
// event's change to be seen by another (aim < 1 s each).
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createClient as createWsClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { startPgBouncer } from '../test/support/pgbouncer.ts';
import { startPostgres15 } from '../test/support/postgres15.ts';
import { appCommand, buildDist, freePorts, graphql, startProcess } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
/** `npm start`'s command (bench/support.ts appCommand), its build brought up to date first. */
const app = appCommand(ROOT);
if (app.compiled) buildDist(ROOT);
const APIS = 6;
const WORKERS = 4;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 15);
const CONNECTIONS_PER_API = 8;
// BENCH_TEN_DIRECT=1: the same ten processes straight on PostgreSQL, each within 9 connections (10 × 9 + the admin's
// fit max_connections = 100): what the pooler costs, or saves.
const DIRECT = process.env.BENCH_TEN_DIRECT === '1';

async function main() {
  const pg15 = await startPostgres15();
  const bouncer = await startPgBouncer(pg15.url, { poolSize: 70 });
  const direct = new pg.Client({ connectionString: pg15.url, application_name: 'bench-admin' });
  await direct.connect();
  const children: ChildProcess[] = [];
  let received = 0;
  const attendees = new Set<string>();
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received++;
      const id = /"attendee_id":"([^"]+)"/.exec(body)?.[1];
      if (id) attendees.add(id);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  let peakConnections = 0;
  const sampler = setInterval(() => {
    direct
      .query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = $1', ['client backend'])
      .then(({ rows }) => (peakConnections = Math.max(peakConnections, rows[0]!.n)))
      .catch(() => {});
  }, 100);
  try {
    const env = {
      ...(DIRECT ? { DATABASE_URL: pg15.url } : { DATABASE_URL: bouncer.url, DATABASE_DIRECT_URL: pg15.url }),
      SECRET_KEY: 'bench-secret-key-0123456789abcdefghij',
      LOG_LEVEL: 'warn',
      API_RATE_LIMIT_PER_MIN: '100000000',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      DATABASE_POOL_SIZE: DIRECT ? '9' : '20',
    };
    const ports = await freePorts(APIS + WORKERS);
    const started = performance.now();
    // The first migrates (the others would wait on its lock); then the rest start together.
    children.push(await eventogate({ ...env, PORT: String(ports[0]), ROLE: 'api' }));
    children.push(...(await Promise.all(ports.slice(1).map((port, i) => eventogate({ ...env, PORT: String(port), ROLE: i + 1 < APIS ? 'api' : 'worker' })))));
    const apis = ports.slice(0, APIS).map((port) => `http://127.0.0.1:${port}`);
    console.log(
      `${DIRECT ? 'straight on PostgreSQL' : 'through PgBouncer'}: ${APIS} API + ${WORKERS} worker processes up in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const { signUp } = await graphql(
      apis[0]!,
      'mutation { signUp(input: { email: "ten@example.com", password: "benchmark-password", name: "Ten", organisationName: "Ten" }) { token } }',
    );
    const token = signUp.token as string;
    const { createEvent } = await graphql(
      apis[0]!,
      'mutation { createEvent(input: { name: "Ten", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC" }) { id } }',
      token,
    );
    const eventId = createEvent.id as string;
    const key = (await graphql(apis[0]!, 'mutation { createApiKey(input: { name: "ten", environment: LIVE }) { secret } }', token)).createApiKey
      .secret as string;
    await graphql(apis[0]!, `mutation { createWebhookEndpoint(input: { url: "${receiverUrl}", eventId: "${eventId}" }) { secret } }`, token);

    // Registrations on all six API processes at once.
    const runs = await Promise.all(
      apis.map((base, i) => {
        let n = 0;
        return autocannon({
          url: `${base}/v1/events/${eventId}/registrations`,
          connections: CONNECTIONS_PER_API,
          duration: DURATION_S,
          requests: [
            {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
              setupRequest: (req: autocannon.Request) => ({
                ...req,
                body: JSON.stringify({ first_name: 'Ten', last_name: 'Processes', email: `ten.${i}.${n++}@example.com` }),
              }),
            },
          ],
        });
      }),
    );
    const statuses = new Map<string, number>();
    for (const run of runs) {
      for (const [code, stats] of Object.entries(run.statusCodeStats ?? {})) statuses.set(code, (statuses.get(code) ?? 0) + (stats as { count: number }).count);
    }
    const answered = statuses.get('201') ?? 0;
    // Requests still in flight when autocannon stopped counting were answered too: the database says how many.
    const written = async () => (await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM attendees')).rows[0]!.n;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const created = await written();
    const errors = runs.reduce((sum, run) => sum + run.errors + run.timeouts, 0);
    console.log(
      `registrations: ${answered} × 201 in ${DURATION_S} s (${Math.round(answered / DURATION_S)}/s over ${APIS} API processes; ${created} written in all); ` +
        `other answers: ${JSON.stringify(Object.fromEntries([...statuses].filter(([code]) => code !== '201')))}; socket errors/timeouts: ${errors}`,
    );

    // Every registration's webhook, delivered and recorded.
    const settled = performance.now();
    const deliveries = () =>
      direct.query<{ status: string; n: number }>('SELECT status::text, count(*)::int AS n FROM webhook_deliveries GROUP BY 1 ORDER BY 1').then((r) => r.rows);
    const deadline = Date.now() + 300_000;
    while ((attendees.size < created || (await deliveries()).some((d) => d.status === 'PENDING')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    console.log(
      `webhooks: ${attendees.size} attendees' webhooks received of ${created} (lost: ${created - attendees.size}; sent twice: ${received - attendees.size}); ` +
        `deliveries ${JSON.stringify(await deliveries())}, all settled ${((performance.now() - settled) / 1000).toFixed(1)} s after the load`,
    );

    // Across processes: a check-in to a live feed, a revoked key, an event's change.
    const registration = await rest(apis[0]!, 'POST', `/v1/events/${eventId}/registrations`, key, {
      first_name: 'Live',
      last_name: 'Feed',
      email: 'live@example.com',
    });
    const feed = await subscribe(apis[APIS - 1]!, token, `subscription { checkIns(eventId: "${eventId}") { attendee { id } } }`);
    const checkInStarted = performance.now();
    await rest(apis[0]!, 'POST', `/v1/events/${eventId}/check-ins`, key, { qr_token: registration.qr_token });
    await feed.next;
    const checkInMs = performance.now() - checkInStarted;
    await feed.close();

    const second = (await graphql(apis[0]!, 'mutation { createApiKey(input: { name: "revoked", environment: LIVE }) { apiKey { id } secret } }', token))
      .createApiKey;
    const listOn = (base: string) =>
      fetch(`${base}/v1/events/${eventId}/registrations?limit=1`, { headers: { authorization: `Bearer ${second.secret}` } }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    if ((await listOn(apis[4]!)) !== 200) throw new Error('the second key does not work');
    await graphql(apis[1]!, `mutation { revokeApiKey(input: { id: "${second.apiKey.id}" }) { id } }`, token);
    const revokeStarted = performance.now();
    while ((await listOn(apis[4]!)) !== 401) if (performance.now() - revokeStarted > 30_000) throw new Error('the revoked key still works');
    const revokeMs = performance.now() - revokeStarted;

    const publicName = async (base: string) => ((await (await fetch(`${base}/v1/public/events/${eventId}`)).json()) as { name?: string }).name;
    await publicName(apis[3]!); // cached on process four
    await graphql(apis[2]!, `mutation { updateEvent(input: { id: "${eventId}", name: "Ten, renamed" }) { id } }`, token);
    const renameStarted = performance.now();
    while ((await publicName(apis[3]!)) !== 'Ten, renamed')
      if (performance.now() - renameStarted > 30_000) throw new Error('the change never reached another process');
    const renameMs = performance.now() - renameStarted;
    console.log(
      `across processes: check-in → live feed ${checkInMs.toFixed(0)} ms, key revoked → refused ${revokeMs.toFixed(0)} ms, event renamed → seen ${renameMs.toFixed(0)} ms`,
    );
    console.log(`PostgreSQL client connections at most: ${peakConnections} (max_connections = 100)`);
  } finally {
    clearInterval(sampler);
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve)))));
    receiver.close();
    await direct.end();
    await bouncer.stop();
    await pg15.stop();
  }
}

async function rest(base: string, method: string, path: string, key: string, body: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return await res.json();
}

async function subscribe(base: string, token: string, query: string): Promise<{ next: Promise<unknown>; close: () => Promise<void> }> {
  const client = createWsClient({
    url: `${base.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  let resolveNext!: (value: unknown) => void;
  const next = new Promise((resolve) => (resolveNext = resolve));
  const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  client.subscribe({ query }, { next: resolveNext, error: (error) => console.error(error), complete: () => {} });
  await connected;
  // The subscription is registered on the server a moment after the socket is acknowledged.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { next, close: () => client.dispose() as Promise<void> };
}

/** `npm start`'s command with `env`. */
function eventogate(env: Record<string, string>): Promise<ChildProcess> {
  return startProcess(ROOT, [...app.flags, ...app.entry], env, /EventoGate is running/);
}

await main();
