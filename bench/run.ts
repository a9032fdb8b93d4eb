// npm run bench — throughput and latency of POST /v1/events/{id}/registrations beside a bare baseline
// (bench/baseline-server.ts: node:http + one INSERT), both against the same embedded PostgreSQL, in one run.
// Each server runs in its own process; autocannon drives them from this one with 64 connections.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { print } from 'graphql';
import { createClient as createWsClient } from 'graphql-ws';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import WebSocket from 'ws';
import * as web from '../web/dashboard/src/gql/graphql.ts';
import { appCommand, buildDist, cpuAccount, freePorts, graphql, type Measurement, postmasterPid, startEmbeddedPostgres, startProcess } from './support.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
/**
 * Unmeasured load before each measured one. 10 s: the app's code is a hundred times the floor's, and V8 keeps
 * compiling it for ~15 s under this load (perf: compilation 20–39 % of the API's CPU in the first 4 s, 5–8 % at
 * 10 s, 0–3 % after 15 s); with 2 s, a third of the measured window was the app's warm-up, not its speed.
 */
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 10);
const ROOT = join(import.meta.dirname, '..');
/** The tree whose app is measured (bench/compare.ts points it at another commit's worktree); this driver is ROOT's. */
const APP_ROOT = process.env.BENCH_APP_ROOT ?? ROOT;
/**
 * The measured tree's `npm start` command (bench/support.ts appCommand): its Node flags and its entry, the compiled
 * build (built here first unless BENCH_DIST_BUILT=1: bench/compare.ts builds each tree once) or, in an older tree, tsx.
 */
const { flags: APP_NODE_FLAGS, entry: APP_ENTRY, compiled: APP_COMPILED } = appCommand(APP_ROOT);
/** BENCH_TAIL=1: the API process carries bench/tail-probe.mjs (GC pauses and event-loop delay during the registrations' load). */
const TAIL_FILE = process.env.BENCH_TAIL ? join(tmpdir(), `eventogate-tail-${process.pid}.json`) : null;
/** BENCH_TAIL=1 also puts the probe in the floor server: the same numbers for the floor, in the same run. */
const FLOOR_TAIL_FILE = process.env.BENCH_TAIL ? join(tmpdir(), `eventogate-floor-tail-${process.pid}.json`) : null;
/** BENCH_ALLOC=1: the API process carries bench/alloc-probe.mjs (what it allocates per registration, and where). */
const ALLOC_FILE = process.env.BENCH_ALLOC ? join(tmpdir(), `eventogate-alloc-${process.pid}.json`) : null;

const measurements: Measurement[] = [];
function measure(part: string, metric: string, value: number, unit: string, better: Measurement['better']) {
  if (Number.isFinite(value)) measurements.push({ part, metric, value, unit, better });
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  /** Requests sent in the measured part (after the warm-up). */
  sent?: number;
}

async function main() {
  // Ports the system hands out as free (a random one in 40000-50000 sat in the ephemeral range and once met a
  // client socket's: "port … is already in use").
  if (APP_COMPILED && !process.env.BENCH_DIST_BUILT) buildDist(APP_ROOT);
  const [baselinePort, appPort, workerPort] = (await freePorts(3)) as [number, number, number];
  // BENCH_POSTGRES_URL: a server bench/compare.ts started, shared by every round (a fresh database each run);
  // otherwise an embedded PostgreSQL of this run's own.
  const postgres = process.env.BENCH_POSTGRES_URL ? undefined : await startEmbeddedPostgres();
  const serverUrl = process.env.BENCH_POSTGRES_URL ?? postgres!.url;
  const database = `bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString();

  const children: ChildProcess[] = [];
  try {
    const results: Result[] = [];

    const floor = await startProcess(
      ROOT,
      [...(FLOOR_TAIL_FILE ? ['--import', join(ROOT, 'bench', 'tail-probe.mjs')] : []), '--import', 'tsx', 'bench/baseline-server.ts'],
      { DATABASE_URL: databaseUrl, PORT: String(baselinePort), ...(FLOOR_TAIL_FILE ? { BENCH_TAIL_FILE: FLOOR_TAIL_FILE } : {}) },
      /ready/,
    );
    children.push(floor);
    const postmaster = await postmasterPid(admin);
    let floorCpu: ReturnType<typeof cpuAccount> | undefined;
    results.push(
      await load('baseline: node:http + 1 INSERT', `http://127.0.0.1:${baselinePort}/`, {}, () => {
        floorCpu = cpuAccount({ floor: floor.pid!, postgres: postmaster });
        if (FLOOR_TAIL_FILE) floor.kill('SIGUSR2');
      }),
    );
    const floorTail = FLOOR_TAIL_FILE ? await closeProbes(floor, [FLOOR_TAIL_FILE]).then(() => readTail(FLOOR_TAIL_FILE)) : null;
    const floorCpuPerRequest = floorCpu!.perRequest(results[0]!.sent!);
    const floorIdle = floorCpu!.machineIdlePercent();

    // The deployment shape for load: an API process, and a worker process draining the jobs each
    // registration enqueues (on the same two cores, so its cost is in the numbers too).
    const env = {
      DATABASE_URL: databaseUrl,
      SECRET_KEY: 'bench-secret-key-0123456789abcdefghij',
      LOG_LEVEL: 'warn',
      API_RATE_LIMIT_PER_MIN: '100000000',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      // 1,000 live-feed subscribers from this one address, organisation and credential (each limit defaults lower:
      // without these, 50 subscriptions of the 1,000 were accepted and the part measured 50 subscribers).
      WS_MAX_CONNECTIONS_PER_IP: '5000',
      WS_MAX_CONNECTIONS_PER_ORGANISATION: '5000',
      LIVE_MAX_SUBSCRIPTIONS_PER_CREDENTIAL: '5000',
      LIVE_MAX_SUBSCRIPTIONS_PER_ORGANISATION: '5000',
    };
    const api = await startProcess(
      APP_ROOT,
      [
        ...APP_NODE_FLAGS,
        ...(TAIL_FILE ? ['--import', join(ROOT, 'bench', 'tail-probe.mjs')] : []),
        ...(ALLOC_FILE ? ['--import', join(ROOT, 'bench', 'alloc-probe.mjs')] : []),
        ...APP_ENTRY,
      ],
      {
        ...env,
        PORT: String(appPort),
        ROLE: 'api',
        ...(TAIL_FILE ? { BENCH_TAIL_FILE: TAIL_FILE } : {}),
        ...(ALLOC_FILE ? { BENCH_ALLOC_FILE: ALLOC_FILE } : {}),
      },
      /EventoGate is running/,
    );
    children.push(api);
    const worker = await startProcess(
      APP_ROOT,
      [...APP_NODE_FLAGS, ...APP_ENTRY],
      { ...env, PORT: String(workerPort), ROLE: 'worker' },
      /EventoGate is running/,
    );
    children.push(worker);
    const base = `http://127.0.0.1:${appPort}`;
    const { eventId, key, token } = await seed(base);
    // BENCH_EXPERIMENT_SQL: statements run on the bench's database once seeded — to measure what a part of the schema
    // costs (e.g. `DROP INDEX attendees_search_idx`); never part of a number quoted as the app's.
    if (process.env.BENCH_EXPERIMENT_SQL) {
      const experiment = new pg.Client({ connectionString: databaseUrl });
      await experiment.connect();
      await experiment.query(process.env.BENCH_EXPERIMENT_SQL).finally(() => experiment.end());
      process.stdout.write(`experiment: ${process.env.BENCH_EXPERIMENT_SQL}\n`);
    }
    // BENCH_ONLY=webhooks|check-ins|registrations|waitlist|dashboard|door|privacy|import|scale runs those parts (comma-separated,
    // while working on them); by default, all.
    const only = process.env.BENCH_ONLY?.split(',');
    if (!only || only.includes('registrations')) {
      // Memory (issue 32): each process's resident set once seeded and idle, and the API's peak under this load.
      const idleApiMb = rssMb(api.pid!);
      const idleWorkerMb = rssMb(worker.pid!);
      let peakApiMb = idleApiMb;
      const sampler = setInterval(() => (peakApiMb = Math.max(peakApiMb, rssMb(api.pid!))), 20);
      // Everything but the peak memory is counted from the end of the warm-up on.
      let statements = null as Awaited<ReturnType<typeof statementStats>> | null;
      let appCpu: ReturnType<typeof cpuAccount> | undefined;
      let batchesBefore: Awaited<ReturnType<typeof batchStats>> | undefined;
      try {
        results.push(
          await load(
            'EventoGate POST /v1/events/{id}/registrations',
            `${base}/v1/events/${eventId}/registrations`,
            { authorization: `Bearer ${key}` },
            async () => {
              if (process.env.BENCH_PG_STATEMENTS) statements = await statementStats(databaseUrl);
              batchesBefore = await batchStats(base);
              appCpu = cpuAccount({ API: api.pid!, worker: worker.pid!, postgres: postmaster });
              // The probes' window opens (and closes below) with SIGUSR2.
              if (TAIL_FILE || ALLOC_FILE) api.kill('SIGUSR2');
            },
          ),
        );
      } finally {
        clearInterval(sampler);
      }
      if (TAIL_FILE || ALLOC_FILE) await closeProbes(api, [TAIL_FILE, ALLOC_FILE]);
      if (TAIL_FILE) reportTail(readTail(TAIL_FILE), floorTail!, results);
      if (ALLOC_FILE) reportAllocation(results.at(-1)!.sent!);
      reportBatches(batchesBefore!, await batchStats(base));
      report(results);
      // CPU per request of each process (the measured part): steadier than req/s on a shared machine, where
      // PostgreSQL, the load generator and the floor take the same cores — and it says where the floor is won or lost.
      const appCpuPerRequest = appCpu!.perRequest(results.at(-1)!.sent!);
      const appIdle = appCpu!.machineIdlePercent();
      measure('registrations', 'API CPU per registration', appCpuPerRequest.API!, 'µs', 'lower');
      measure('registrations', 'PostgreSQL CPU per registration', appCpuPerRequest.postgres!, 'µs', 'lower');
      measure('registrations', 'load generator CPU per registration', appCpuPerRequest.load!, 'µs', 'lower');
      measure('registrations', 'floor server CPU per request', floorCpuPerRequest.floor!, 'µs', 'lower');
      measure('registrations', 'floor PostgreSQL CPU per request', floorCpuPerRequest.postgres!, 'µs', 'lower');
      const line = (account: Record<string, number>) =>
        Object.entries(account)
          .map(([name, us]) => `${name} ${us.toFixed(0)}`)
          .join(', ');
      process.stdout.write(`CPU per request (µs, after the warm-up): registrations: ${line(appCpuPerRequest)}; floor: ${line(floorCpuPerRequest)}\n`);
      measure('registrations', 'machine CPU idle during the load', appIdle, '%', 'lower');
      measure('registrations', 'machine CPU idle during the floor load', floorIdle, '%', 'lower');
      process.stdout.write(`machine CPU idle during the load: registrations ${appIdle.toFixed(0)} %, floor ${floorIdle.toFixed(0)} %\n`);
      if (statements) process.stdout.write(await statements.report(results.at(-1)!.sent!));
      measure('memory', 'API idle RSS', idleApiMb, 'MB', 'lower');
      measure('memory', 'worker idle RSS', idleWorkerMb, 'MB', 'lower');
      measure('memory', 'API peak RSS under load', peakApiMb, 'MB', 'lower');
      process.stdout.write(
        `Memory (npm start's command): API idle ${idleApiMb.toFixed(0)} MB, worker idle ${idleWorkerMb.toFixed(0)} MB, API peak under the load above ${peakApiMb.toFixed(0)} MB\n`,
      );
    }
    if (!only || only.includes('waitlist')) await waitlistBench(base, token, key);
    if (!only || only.includes('webhooks')) await webhookBench(base, token, key, databaseUrl);
    if (!only || only.includes('check-ins')) await checkInBench({ base, token, key, databaseUrl, baselineUrl: `http://127.0.0.1:${baselinePort}` });
    if (!only || only.includes('dashboard')) await dashboardBench(base, databaseUrl);
    if (!only || only.includes('door')) await doorBench(base, token, key, databaseUrl);
    if (!only || only.includes('privacy')) await privacyBench(base, databaseUrl);
    if (!only || only.includes('import')) await importBench({ base, workerBase: `http://127.0.0.1:${workerPort}`, token, eventId });
    if (!only || only.includes('scale')) await scaleBench(base, token, key, databaseUrl, api.pid!);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await postgres?.stop();
    if (process.env.BENCH_RESULTS_FILE) writeFileSync(process.env.BENCH_RESULTS_FILE, JSON.stringify(measurements, null, 2));
  }
}

/** The seed's two questions (Company, Job Title), which the load's body answers. */
async function addSeedQuestions(base: string, eventId: string, token: string) {
  for (const [key, label] of [
    ['company', 'Company'],
    ['job_title', 'Job Title'],
  ]) {
    await graphql(
      base,
      `mutation { createCustomField(input: { eventId: "${eventId}", fieldKey: "${key}", fieldLabel: "${label}", fieldType: TEXT }) { id } }`,
      token,
    );
  }
}

/** An event like the seed's (two fields) and a live key, through the public GraphQL API. */
async function seed(base: string) {
  const { signUp } = await graphql(
    base,
    'mutation { signUp(input: { email: "bench@example.com", password: "benchmark-password", name: "Bench", organisationName: "Bench" }) { token } }',
  );
  const { createEvent } = await graphql(
    base,
    'mutation { createEvent(input: { name: "Bench", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC" }) { id } }',
    signUp.token,
  );
  await addSeedQuestions(base, createEvent.id, signUp.token);
  const { createApiKey } = await graphql(base, 'mutation { createApiKey(input: { name: "bench", environment: LIVE }) { secret } }', signUp.token);
  return { eventId: createEvent.id as string, key: createApiKey.secret as string, token: signUp.token as string };
}

/**
 * WARMUP_S seconds of the load unmeasured, then `measuring` (where the caller starts its counters), then
 * DURATION_S seconds measured.
 */
async function load(name: string, url: string, headers: Record<string, string>, measuring?: () => unknown): Promise<Result> {
  let n = 0;
  const request = {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', ...headers },
    setupRequest: (req: autocannon.Request) => ({
      ...req,
      body: JSON.stringify({
        first_name: 'Sarah',
        last_name: 'Chen',
        email: `sarah.${process.pid}.${name.length}.${n++}@example.com`,
        phone: '+1234567890',
        country: 'US',
        custom_data: { company: 'Acme Corp', job_title: 'Product Manager' },
      }),
    }),
  };
  // Warm-up (JIT, pools), not measured.
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, requests: [request] });
  await measuring?.();
  const warmedUp = n;
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, requests: [request] });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    errors: result.non2xx + result.errors + result.timeouts,
    sent: n - warmedUp,
  };
}

function report(results: Result[]) {
  const [baseline, app] = results as [Result, Result];
  const rows = results.map(
    (r) =>
      `${r.name.padEnd(48)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   2xx ${r.ok}   errors ${r.errors}`,
  );
  const throughput = app.rps / baseline.rps;
  const p99 = app.p99 / Math.max(baseline.p99, 1);
  measure('registrations', 'req/s', app.rps, 'req/s', 'higher');
  measure('registrations', 'floor req/s', baseline.rps, 'req/s', 'higher');
  measure('registrations', 'ratio to floor', throughput, '×', 'higher');
  measure('registrations', 'p99', app.p99, 'ms', 'lower');
  measure('registrations', 'p99 ratio to floor', p99, '×', 'lower');
  process.stdout.write(
    `\nRegistrations, ${CONNECTIONS} connections, ${DURATION_S} s each (same machine, same PostgreSQL):\n${rows.join('\n')}\n\n` +
      `throughput ratio ${throughput.toFixed(2)} (target ≥ 0.50)   p99 ratio ${p99.toFixed(2)} (target ≤ 2.00)\n`,
  );
}

/**
 * Waitlist (issue 29): registrations into a full ticket type with its waitlist on (each one is accepted onto the
 * line: the type's row locked, the seats counted, the line checked, a rank taken) against registrations into an
 * open event and into a limited one with seats left, the same load, one after the other in this run.
 */
async function waitlistBench(base: string, token: string, key: string) {
  const event = async (name: string, capacity: string) => {
    const { createEvent } = await graphql(
      base,
      `mutation { createEvent(input: { name: "${name}", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC"${capacity} }) { id ticketTypes { id } } }`,
      token,
    );
    // The load's body answers the seed's two questions.
    await addSeedQuestions(base, createEvent.id, token);
    return createEvent as { id: string; ticketTypes: Array<{ id: string }> };
  };
  const open = await event('Open bench', '');
  const limited = await event('Limited bench', ', capacity: 1000000');
  const full = await event('Full bench', '');
  await graphql(base, `mutation { updateTicketType(input: { id: "${full.ticketTypes[0]!.id}", capacity: 1, waitlist: AUTO }) { id } }`, token);
  const seat = await fetch(`${base}/v1/events/${full.id}/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ first_name: 'First', last_name: 'Seat', email: 'first.seat@example.com' }),
  });
  if (seat.status !== 201) throw new Error(`waitlist bench: the one seat was not taken (${seat.status} ${await seat.text()})`);
  const auth = { authorization: `Bearer ${key}` };
  // Each event answers 201 before it is loaded (a bench of refusals would measure nothing).
  for (const [id, expected] of [
    [open.id, 'registered'],
    [limited.id, 'registered'],
    [full.id, 'waitlisted'],
  ] as const) {
    const probe = await fetch(`${base}/v1/events/${id}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ first_name: 'Probe', last_name: 'Probe', email: `probe.${id}@example.com` }),
    });
    const body = (await probe.json()) as { status?: string };
    if (probe.status !== 201 || body.status !== expected) throw new Error(`waitlist bench: probe ${probe.status} ${JSON.stringify(body)}`);
  }
  const results = [
    await load('registrations into an open event', `${base}/v1/events/${open.id}/registrations`, auth),
    await load('registrations, capacity with seats left', `${base}/v1/events/${limited.id}/registrations`, auth),
    await load('registrations onto a waitlist (type full)', `${base}/v1/events/${full.id}/registrations`, auth),
  ] as const;
  const [openRun, limitedRun, fullRun] = results;
  measure('waitlist', 'waitlisted req/s', fullRun.rps, 'req/s', 'higher');
  measure('waitlist', 'ratio to open event', fullRun.rps / openRun.rps, '×', 'higher');
  measure('waitlist', 'ratio to limited event', fullRun.rps / limitedRun.rps, '×', 'higher');
  measure('waitlist', 'p99', fullRun.p99, 'ms', 'lower');
  const rows = results.map(
    (r) =>
      `${r.name.padEnd(48)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   2xx ${r.ok}   errors ${r.errors}`,
  );
  process.stdout.write(
    `\nWaitlist, ${CONNECTIONS} connections, ${DURATION_S} s each:\n${rows.join('\n')}\n\n` +
      `onto the waitlist / open event ${(fullRun.rps / openRun.rps).toFixed(2)}   / limited event ${(fullRun.rps / limitedRun.rps).toFixed(2)}\n`,
  );
}

/**
 * Webhooks: a receiver in this process, one endpoint on a fresh event.
 * Latency: registrations one at a time; from the 201 (the transaction has committed) to the receiver
 * reading the first attempt. Throughput: a burst of registrations, then the rate deliveries arrive at.
 */
async function webhookBench(base: string, token: string, key: string, databaseUrl: string) {
  const arrivals = new Map<string, number>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { attendee_id: string };
      if (!arrivals.has(body.attendee_id)) {
        arrivals.set(body.attendee_id, performance.now());
        onArrival(body.attendee_id);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const { createEvent } = await graphql(
    base,
    'mutation { createEvent(input: { name: "Webhook bench", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC" }) { id } }',
    token,
  );
  await graphql(base, `mutation { createWebhookEndpoint(input: { url: "${receiverUrl}", eventId: "${createEvent.id}" }) { secret } }`, token);
  const register = async (i: number) => {
    const res = await fetch(`${base}/v1/events/${createEvent.id}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ first_name: 'Web', last_name: 'Hook', email: `hook${i}.${Date.now()}@example.com` }),
    });
    return { id: ((await res.json()) as { id: string }).id, committedAt: performance.now() };
  };
  // Cheap to check however many are awaited: the receiver counts down (a scan per poll would slow the receiver
  // it measures).
  let awaited = new Set<string>();
  const onArrival = (id: string) => awaited.delete(id);
  const waitFor = async (ids: string[], timeoutMs: number) => {
    awaited = new Set(ids.filter((id) => !arrivals.has(id)));
    const deadline = performance.now() + timeoutMs;
    while (awaited.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  };
  const latencies: number[] = [];
  for (let i = 0; i < 200; i++) {
    const { id, committedAt } = await register(i);
    await waitFor([id], 5_000);
    latencies.push((arrivals.get(id) ?? Number.NaN) - committedAt);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);

  // Sustained: 32 clients register as fast as the API takes them; deliveries must keep pace.
  const sustainedMs = Math.min(DURATION_S, 10) * 1000;
  const sustained: Array<{ id: string; committedAt: number }> = [];
  const sustainedStart = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() - sustainedStart < sustainedMs) sustained.push(await register(10_000 + n++));
    }),
  );
  const registeredFor = (performance.now() - sustainedStart) / 1000;
  const sustainedIds = sustained.map((r) => r.id);
  await waitFor(sustainedIds, 120_000);
  const arrivedAt = sustained.map((r) => arrivals.get(r.id) ?? Number.NaN);
  const deliveredFor = (Math.max(...arrivedAt) - Math.min(...arrivedAt)) / 1000;
  const lags = sustained.map((r, i) => arrivedAt[i]! - r.committedAt).sort((a, b) => a - b);
  const lag = (p: number) => (lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))]! / 1000).toFixed(2);
  const registrationsPerS = sustained.length / registeredFor;
  const deliveriesPerS = sustained.length / deliveredFor;

  // Backlog: deliveries written while no worker could send them (the endpoint paused), then drained.
  const backlog = 5_000;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const [{ id: endpointId }] = (await db.query<{ id: string }>('SELECT id FROM webhook_endpoints WHERE url = $1', [receiverUrl])).rows as [{ id: string }];
  await db.query(`UPDATE webhook_endpoints SET paused_until = now() + interval '1 hour' WHERE id = $1`, [endpointId]);
  await db.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, attendee_id, trigger, emission_id, payload, next_attempt_at, updated_at)
     SELECT 'whd_backlog' || g, $1, NULL, 'ATTENDEE_REGISTERED', 'emi_backlog' || g, json_build_object('attendee_id', 'backlog' || g)::text, now(), now()
     FROM generate_series(1, $2) g`,
    [endpointId, backlog],
  );
  await db.query('UPDATE webhook_endpoints SET paused_until = NULL WHERE id = $1', [endpointId]);
  await db.query("SELECT pg_notify('eventogate_job_wake', 'webhooks.deliver')");
  const backlogIds = Array.from({ length: backlog }, (_, i) => `backlog${i + 1}`);
  const drainStart = performance.now();
  await waitFor(backlogIds, 120_000);
  const drained = backlogIds.filter((id) => arrivals.has(id)).length;
  const drainS = (Math.max(...backlogIds.map((id) => arrivals.get(id) ?? 0)) - drainStart) / 1000;
  // The receiver's round trip as the worker measured it: under sustained load it is what the lanes wait on.
  const roundTrip = async (where: string, values: unknown[]) => {
    const { rows } = await db.query<{ p50: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a.duration_ms) AS p50 FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE ${where}`,
      values,
    );
    return Number(rows[0]?.p50 ?? Number.NaN).toFixed(0);
  };
  const sustainedRoundTrip = await roundTrip('d.attendee_id = ANY($1)', [sustainedIds]);
  const drainRoundTrip = await roundTrip(`d.id LIKE 'whd_backlog%'`, []);
  await db.end();
  receiver.close();
  measure('webhooks', 'commit → first attempt p50', Number(pct(50)), 'ms', 'lower');
  measure('webhooks', 'deliveries / registrations, sustained', deliveriesPerS / registrationsPerS, '×', 'higher');
  measure('webhooks', 'backlog drain', drained / drainS, 'deliveries/s', 'higher');
  process.stdout.write(
    `\nWebhooks (API process + worker process, one endpoint, receiver on 127.0.0.1):\n` +
      `commit → first attempt received, 200 registrations one at a time: p50 ${pct(50)} ms   p95 ${pct(95)} ms   max ${pct(100)} ms (target p50 < 100)\n` +
      `sustained, 32 clients for ${registeredFor.toFixed(1)} s: ${registrationsPerS.toFixed(0)} registrations/s, ${deliveriesPerS.toFixed(0)} deliveries/s ` +
      `(ratio ${(deliveriesPerS / registrationsPerS).toFixed(2)}, target ≥ 0.80); 201 → webhook p50 ${lag(50)} s, p95 ${lag(95)} s (target p95 ≤ 2); attempt round trip p50 ${sustainedRoundTrip} ms\n` +
      `backlog of ${backlog}: ${drained} drained at ${(drained / drainS).toFixed(0)} deliveries/s (target ≥ 1000); attempt round trip p50 ${drainRoundTrip} ms\n`,
  );
}

/**
 * Check-ins: throughput of first check-ins (POST /v1/events/{id}/check-ins) against the baseline's one
 * conditional UPDATE; then 1,000 graphql-ws subscribers on one event and the delay from a check-in's
 * response to each subscriber receiving it.
 */
async function checkInBench(options: { base: string; token: string; key: string; databaseUrl: string; baselineUrl: string }) {
  const { base, token, key } = options;
  const { createEvent } = await graphql(
    base,
    'mutation { createEvent(input: { name: "Check-in bench", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC" }) { id } }',
    token,
  );
  const eventId = createEvent.id as string;
  // Tickets to scan, inserted directly (the registration path was measured above).
  const db = new pg.Client({ connectionString: options.databaseUrl });
  await db.connect();
  // Enough that every scan of the run is a first check-in on both sides (a repeat is a cheaper request);
  // the last 50 are kept back for the live-feed measurement below (up to 20 to warm up, 30 measured).
  const tickets = 150_000;
  const reserved = 50;
  await db.query(
    `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized, qr_token, source, updated_at)
     SELECT 'att_bench' || g, e.organisation_id, e.id, t.id, 'Guest', 'No ' || g, 'guest' || g || '@example.com', 'guest' || g || '@example.com', gen_random_uuid(), 'IMPORT', now()
     FROM generate_series(1, $2) g, events e JOIN ticket_types t ON t.event_id = e.id AND t.is_default WHERE e.id = $1`,
    [eventId, tickets + reserved],
  );
  const all = (await db.query<{ id: string; qr_token: string }>('SELECT id, qr_token FROM attendees WHERE event_id = $1 ORDER BY id', [eventId])).rows;
  const tokens = all.slice(0, tickets).map((r) => r.qr_token);
  const warmUps = all.slice(tickets, tickets + 20);
  const fresh = all.slice(tickets + 20);
  await db.query(
    `INSERT INTO bench_baseline (id, email, body) SELECT gen_random_uuid(), 'guest' || g || '@example.com', '{}'::jsonb
     FROM generate_series(1, greatest(0, $1 - (SELECT count(*) FROM bench_baseline))) g`,
    [tickets],
  );
  const baselineIds = (await db.query<{ id: string }>('SELECT id FROM bench_baseline WHERE checked_in_at IS NULL LIMIT $1', [tickets])).rows.map((r) => r.id);
  await db.end();

  let sent = { baseline: 0, app: 0 };
  const run = async (url: string, body: (i: number) => string, headers: Record<string, string>, side: 'baseline' | 'app') => {
    let n = 0;
    const request = {
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', ...headers },
      setupRequest: (req: autocannon.Request) => ({ ...req, body: body(n++) }),
    };
    await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, requests: [request] });
    const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, requests: [request] });
    sent = { ...sent, [side]: n };
    return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
  };
  const baseline = await run(`${options.baselineUrl}/check-in`, (i) => JSON.stringify({ id: baselineIds[i % baselineIds.length] }), {}, 'baseline');
  const app = await run(
    `${base}/v1/events/${eventId}/check-ins`,
    (i) => JSON.stringify({ qr_token: tokens[i % tokens.length] }),
    { authorization: `Bearer ${key}` },
    'app',
  );
  const repeats = Math.max(0, sent.baseline - baselineIds.length) + Math.max(0, sent.app - tokens.length);
  measure('check-ins', 'req/s', app.rps, 'req/s', 'higher');
  measure('check-ins', 'floor req/s', baseline.rps, 'req/s', 'higher');
  measure('check-ins', 'ratio to floor', app.rps / baseline.rps, '×', 'higher');
  measure('check-ins', 'p99', app.p99, 'ms', 'lower');
  process.stdout.write(
    `\nCheck-ins, ${CONNECTIONS} connections, ${DURATION_S} s each:\n` +
      `baseline: node:http + 1 UPDATE                      ${baseline.rps.toFixed(0).padStart(8)} req/s   p50 ${baseline.p50} ms   p99 ${baseline.p99} ms   errors ${baseline.errors}\n` +
      `EventoGate POST /v1/events/{id}/check-ins          ${app.rps.toFixed(0).padStart(8)} req/s   p50 ${app.p50} ms   p99 ${app.p99} ms   errors ${app.errors}\n` +
      `throughput ratio ${(app.rps / baseline.rps).toFixed(2)} (target ≥ 0.60)${repeats > 0 ? `   (${repeats} scans were repeats: add tickets)` : ''}\n`,
  );

  // Fan-out: 1,000 subscribers, 30 check-ins of not-yet-scanned tickets, one every 200 ms (BENCH_SKIP_FANOUT=1: not).
  if (process.env.BENCH_SKIP_FANOUT === '1') return;
  const subscribers = 1_000;
  const received = new Map<string, number[]>();
  const clients = [];
  for (let i = 0; i < subscribers; i++) {
    const client = createWsClient({
      url: `${base.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    client.subscribe<{ checkIns: { attendee: { id: string } } }>(
      { query: `subscription { checkIns(eventId: "${eventId}") { checkedInAt attendee { id firstName lastName status } stats { registered checkedIn } } }` },
      {
        next: (message) => {
          const id = message.data?.checkIns.attendee.id;
          if (id) received.set(id, [...(received.get(id) ?? []), performance.now()]);
        },
        error: () => {},
        complete: () => {},
      },
    );
    clients.push(client);
  }
  // Measure delivery, not connection set-up: warm-up check-ins (one a second) until one reaches every subscriber.
  const scan = (qrToken: string) =>
    fetch(`${base}/v1/events/${eventId}/check-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ qr_token: qrToken }),
    });
  const subscribedAt = performance.now();
  for (const warmUp of warmUps) {
    await (await scan(warmUp.qr_token)).arrayBuffer();
    const until = performance.now() + 1_000;
    while ((received.get(warmUp.id)?.length ?? 0) < subscribers && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    if ((received.get(warmUp.id)?.length ?? 0) === subscribers) break;
  }
  const readyAfter = ((performance.now() - subscribedAt) / 1000).toFixed(1);
  await new Promise((r) => setTimeout(r, 500));
  const latencies: number[] = [];
  for (const ticket of fresh) {
    const res = await scan(ticket.qr_token);
    const committedAt = performance.now();
    await res.arrayBuffer();
    const deadline = performance.now() + 5_000;
    while ((received.get(ticket.id)?.length ?? 0) < subscribers && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    for (const at of received.get(ticket.id) ?? []) latencies.push(at - committedAt);
    await new Promise((r) => setTimeout(r, 200));
  }
  await Promise.all(clients.map((c) => c.dispose()));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN).toFixed(0);
  const expected = fresh.length * subscribers;
  measure('check-ins', 'live feed p99', Number(pct(99)), 'ms', 'lower');
  process.stdout.write(
    `live feed: ${subscribers} graphql-ws subscribers on one event, ${fresh.length} check-ins: ${latencies.length}/${expected} deliveries, ` +
      `latency p50 ${pct(50)} ms   p99 ${pct(99)} ms   max ${pct(100)} ms (target p99 ≤ 250; all subscribed after ${readyAfter} s)\n`,
  );
}

/**
 * The dashboard's screens on an organisation with 20 events × 5,000 attendees, each next to a trivial query in the
 * same run: p50/p99 and their ratio. The dashboard's own documents (web/dashboard, as generated), and the five
 * screen documents written before it existed (test/dashboard/screens; the webhook page is part two's).
 */
async function dashboardBench(base: string, databaseUrl: string) {
  const { signUp } = await graphql(
    base,
    'mutation { signUp(input: { email: "dashboard@example.com", password: "benchmark-password", name: "Dash", organisationName: "Dashboards" }) { token } }',
  );
  const token = signUp.token as string;
  const eventIds: string[] = [];
  for (let i = 0; i < 20; i++) {
    const day = String(i + 1).padStart(2, '0');
    const { createEvent } = await graphql(
      base,
      `mutation { createEvent(input: { name: "Conference ${i}", startsAt: "2030-03-${day}T09:00:00Z", endsAt: "2030-03-${day}T17:00:00Z", timezone: "Europe/Berlin", capacity: 6000 }) { id } }`,
      token,
    );
    eventIds.push(createEvent.id);
    await graphql(base, `mutation { createTicketType(input: { eventId: "${createEvent.id}", name: "VIP", slug: "vip", capacity: 1500 }) { id } }`, token);
    await graphql(
      base,
      `mutation { createCustomField(input: { eventId: "${createEvent.id}", fieldKey: "company", fieldLabel: "Company", fieldType: TEXT }) { id } }`,
      token,
    );
  }
  const { createWebhookEndpoint } = await graphql(
    base,
    'mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/hooks", triggers: [ATTENDEE_REGISTERED] }) { endpoint { id } } }',
    token,
  );
  const endpointId = createWebhookEndpoint.endpoint.id as string;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  // Attendees, deliveries (already settled, so the engine leaves them alone) and finished imports, written directly.
  await db.query(
    `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized, status,
                            qr_token, custom_data, source, registered_at, checked_in_at, updated_at)
     SELECT 'att_dash' || e.n || '_' || g, e.organisation_id, e.id, CASE WHEN g % 4 = 0 THEN vip.id ELSE general.id END,
            'First' || (g % 211), 'Last' || (g % 1009), 'd' || e.n || '.' || g || '@example.com', 'd' || e.n || '.' || g || '@example.com',
            (CASE WHEN g % 10 < 3 THEN 'CHECKED_IN' WHEN g % 50 = 3 THEN 'CANCELLED' WHEN g % 50 = 4 THEN 'NO_SHOW' ELSE 'REGISTERED' END)::"AttendeeStatus",
            gen_random_uuid(), jsonb_build_object('company', 'Company ' || (g % 97)), 'API',
            timestamptz '2030-01-01' + (g || ' minutes')::interval, CASE WHEN g % 10 < 3 THEN timestamptz '2030-03-01' + (g || ' seconds')::interval END, now()
     FROM (SELECT id, organisation_id, row_number() OVER () AS n FROM events WHERE id = ANY($1)) e
     JOIN ticket_types general ON general.event_id = e.id AND general.slug = 'general'
     JOIN ticket_types vip ON vip.event_id = e.id AND vip.slug = 'vip',
     generate_series(1, 5000) g`,
    [eventIds],
  );
  await db.query(
    `WITH d AS (
       INSERT INTO webhook_deliveries (id, endpoint_id, trigger, emission_id, payload, status, attempt_count, automatic_attempts, created_at, updated_at)
       SELECT 'whd_dash' || g, $1, 'ATTENDEE_REGISTERED', 'dash' || g, '{"trigger":"attendee.registered"}', 'SUCCEEDED', 1, 1,
              now() - (g || ' seconds')::interval, now()
       FROM generate_series(1, 3000) g RETURNING id, created_at)
     INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, attempt_number, request_headers, request_body, status_code, duration_ms, created_at)
     SELECT 'wha_' || substr(d.id, 5), d.id, $1, 1, '{}', '{}', 200, 12, d.created_at FROM d`,
    [endpointId],
  );
  await db.query(
    `INSERT INTO import_jobs (id, organisation_id, event_id, status, csv, total, processed, created, skipped, errors, created_at, updated_at, finished_at)
     SELECT 'imp_dash' || g, e.organisation_id, e.id, 'COMPLETED', 'first_name,last_name,email', 500, 500, 498, 2,
            '[{"row": 3, "field": "email", "message": "The email field must be a valid email address."}]', now() - (g || ' hours')::interval, now(), now()
     FROM generate_series(1, 40) g, events e WHERE e.id = $1`,
    [eventIds[0]],
  );
  await db.query('ANALYZE');
  await db.end();

  const documents = Object.fromEntries(
    ['dashboard-home', 'event-overview', 'attendee-table', 'webhook-page', 'import-history'].map((name) => [
      name,
      readFileSync(join(ROOT, 'test', 'dashboard', 'screens', `${name}.graphql`), 'utf8'),
    ]),
  );
  const eventId = eventIds[0]!;
  // An attendee made through the API (the rows above have ids only the bench uses), for the attendee page.
  const { registerAttendee } = await graphql(
    base,
    `mutation { registerAttendee(input: { eventId: "${eventId}", firstName: "Page", lastName: "Bench", email: "page.bench@example.com", customData: { company: "Acme" } }) { id } }`,
    token,
  );
  // Page 3 of the attendee table: the cursor after page 2 of the same search and order.
  const tableVariables = { eventId, first: 50, search: 'last1', orderBy: 'LAST_NAME_ASC' };
  let after: string | null = null;
  for (let page = 0; page < 2; page++) {
    const body = (await graphqlWith(base, documents['attendee-table']!, { ...tableVariables, after }, token)) as any;
    after = body.attendees.pageInfo.endCursor;
  }
  const screens: Array<[string, string, Record<string, unknown>]> = [
    ['trivial { viewer { user { id } } }', '{ viewer { user { id } } }', {}],
    ['floor { __typename } (no resolver)', '{ __typename }', {}],
    ['dashboard home (20 events)', documents['dashboard-home']!, { first: 20 }],
    ['event overview', documents['event-overview']!, { eventId, from: '2029-12-25T00:00:00Z', to: '2030-01-08T00:00:00Z', recent: 10 }],
    ['attendee table (search, order, page 3)', documents['attendee-table']!, { ...tableVariables, after }],
    ['webhook page (25 deliveries)', documents['webhook-page']!, { endpointId, first: 25 }],
    ['import history', documents['import-history']!, { eventId, first: 20 }],
    // The dashboard's own screens (web/dashboard), each one request: the documents it sends, as generated.
    ['dashboard: Events (20 of them)', print(web.EventListDocument), { first: 25 }],
    ['dashboard: event overview', print(web.EventOverviewDocument), { eventId, from: '2029-12-10T00:00:00Z', to: '2030-01-09T00:00:00Z' }],
    ['dashboard: Event Settings', print(web.EventSettingsDocument), { eventId }],
    ['dashboard: Attendees (search, page 1)', print(web.AttendeeTableDocument), { eventId, first: 50, search: 'last1', orderBy: 'LAST_NAME_ASC' }],
    ['dashboard: an attendee', print(web.AttendeePageDocument), { eventId, attendeeId: registerAttendee.id, historyActions: ['attendee.status_changed'] }],
    ['dashboard: Check-in desk', print(web.CheckInDeskDocument), { eventId }],
    ['dashboard: desk search "last10"', print(web.CheckInDeskSearchDocument), { eventId, search: 'last10' }],
    ['dashboard: Import (40 earlier)', print(web.ImportPageDocument), { eventId }],
  ];
  const connections = 16;
  const results: Array<{ name: string; rps: number; p50: number; p99: number; errors: number }> = [];
  for (const [name, query, variables] of screens) {
    await graphqlWith(base, query, variables, token); // fails loudly on a broken screen
    const request = {
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    };
    await autocannon({ url: `${base}/graphql`, connections, duration: 1, requests: [request] });
    const r = await autocannon({ url: `${base}/graphql`, connections, duration: Math.min(DURATION_S, 5), requests: [request] });
    results.push({ name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts });
  }
  const trivial = results[0]!;
  for (const r of results.slice(1)) measure('dashboard', `${r.name.trim()} p50 ratio`, r.p50 / Math.max(trivial.p50, 1), '×', 'lower');
  process.stdout.write(
    `\nDashboard screens, 20 events × 5,000 attendees, ${connections} connections (ratio = screen p50 / trivial p50, aim ≤ 5):\n` +
      results
        .map(
          (r) =>
            `${r.name.padEnd(40)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   ` +
            `ratio ${(r.p50 / Math.max(trivial.p50, 1)).toFixed(1)}   errors ${r.errors}`,
        )
        .join('\n') +
      '\n',
  );
}

/**
 * The door: single check-ins into a zone against the same without one (same run shape as the check-in bench);
 * 10 devices uploading batches of 200 fresh scans at once, in scans/s; a device's first sync of 50,000 attendees.
 */
async function doorBench(base: string, token: string, key: string, databaseUrl: string) {
  const { createEvent } = await graphql(
    base,
    'mutation { createEvent(input: { name: "Door bench", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC" }) { id } }',
    token,
  );
  const eventId = createEvent.id as string;
  const { createZone } = await graphql(base, `mutation { createZone(input: { eventId: "${eventId}", name: "Hall" }) { id } }`, token);
  const zoneId = createZone.id as string;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const tickets = 400_000;
  await db.query(
    `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized, qr_token, source, updated_at)
     SELECT 'att_door' || g, e.organisation_id, e.id, t.id, 'Guest', 'No ' || g, 'door' || g || '@example.com', 'door' || g || '@example.com', gen_random_uuid(), 'IMPORT', now()
     FROM generate_series(1, $2) g, events e JOIN ticket_types t ON t.event_id = e.id AND t.is_default WHERE e.id = $1`,
    [eventId, tickets],
  );
  const all = (await db.query<{ qr_token: string }>('SELECT qr_token FROM attendees WHERE event_id = $1 ORDER BY id', [eventId])).rows.map((r) => r.qr_token);
  await db.end();
  // Disjoint slices: every scan below is a first entry.
  const slices = { plain: all.slice(0, 100_000), zoned: all.slice(100_000, 200_000), uploads: all.slice(200_000) };

  const single = async (tokens: string[], withZone: boolean) => {
    let n = 0;
    const request = {
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      setupRequest: (req: autocannon.Request) => ({
        ...req,
        body: JSON.stringify(withZone ? { qr_token: tokens[n++ % tokens.length], zone_id: zoneId } : { qr_token: tokens[n++ % tokens.length] }),
      }),
    };
    const url = `${base}/v1/events/${eventId}/check-ins`;
    await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, requests: [request] });
    const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, requests: [request] });
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.non2xx + result.errors,
      repeats: n > tokens.length,
    };
  };
  // Device uploads first, on an empty scan log: what came before must not weigh on them (plain check-ins are
  // logged as scans too, so measuring uploads after them would measure the log's size, not the engine).
  const devices: string[] = [];
  for (let i = 0; i < 10; i++) {
    const { createScannerDevice } = await graphql(
      base,
      `mutation { createScannerDevice(input: { eventId: "${eventId}", name: "Door ${i}", zoneId: "${zoneId}" }) { token } }`,
      token,
    );
    devices.push(createScannerDevice.token);
  }
  const batch = 200;
  let next = 0;
  let scans = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + DURATION_S * 1000;
  await Promise.all(
    devices.map(async (device, d) => {
      while (performance.now() < deadline && next + batch <= slices.uploads.length) {
        const chunk = slices.uploads.slice(next, next + batch);
        next += batch;
        const at = new Date().toISOString();
        const res = await fetch(`${base}/v1/scanner/scans`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${device}` },
          body: JSON.stringify({ scans: chunk.map((qr, i) => ({ nonce: `${d}-${next}-${i}`, qr_token: qr, scanned_at: at, offline: true })) }),
        });
        const body = (await res.json()) as { results?: Array<{ outcome: string }> };
        if (res.status !== 200) failures++;
        else scans += body.results!.filter((r) => r.outcome === 'accepted').length;
      }
    }),
  );
  const uploadSeconds = (performance.now() - started) / 1000;

  const plain = await single(slices.plain, false);
  const zoned = await single(slices.zoned, true);

  // A new device's first sync of another event's 50,000 attendees: pages of 5,000 until has_more is false.
  const db2 = new pg.Client({ connectionString: databaseUrl });
  await db2.connect();
  const { createEvent: syncEvent } = await graphql(
    base,
    'mutation { createEvent(input: { name: "Sync bench", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC" }) { id } }',
    token,
  );
  await db2.query(
    `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized, qr_token, source, updated_at)
     SELECT 'att_sync' || g, e.organisation_id, e.id, t.id, 'Guest', 'No ' || g, 'sync' || g || '@example.com', 'sync' || g || '@example.com', gen_random_uuid(), 'IMPORT', now()
     FROM generate_series(1, 50000) g, events e JOIN ticket_types t ON t.event_id = e.id AND t.is_default WHERE e.id = $1`,
    [syncEvent.id],
  );
  await db2.end();
  const { createScannerDevice: syncDevice } = await graphql(
    base,
    `mutation { createScannerDevice(input: { eventId: "${syncEvent.id}", name: "Sync" }) { token } }`,
    token,
  );
  const syncStarted = performance.now();
  let cursor = '';
  let synced = 0;
  let pages = 0;
  for (;;) {
    const res = await fetch(`${base}/v1/scanner/sync${cursor ? `?cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${syncDevice.token}` } });
    const body = (await res.json()) as { attendees: unknown[]; cursor: string; has_more: boolean };
    synced += body.attendees.length;
    pages++;
    cursor = body.cursor;
    if (!body.has_more) break;
  }
  const syncSeconds = (performance.now() - syncStarted) / 1000;

  measure('door', 'check-in without a zone', plain.rps, 'req/s', 'higher');
  measure('door', 'check-in into a zone', zoned.rps, 'req/s', 'higher');
  measure('door', 'device uploads', scans / uploadSeconds, 'scans/s', 'higher');
  measure('door', 'first sync of 50,000', syncSeconds, 's', 'lower');
  process.stdout.write(
    `\nThe door, ${CONNECTIONS} connections, ${DURATION_S} s each:\n` +
      `check-in without a zone                            ${plain.rps.toFixed(0).padStart(8)} req/s   p50 ${plain.p50} ms   p99 ${plain.p99} ms   errors ${plain.errors}\n` +
      `check-in into a zone (door path)                   ${zoned.rps.toFixed(0).padStart(8)} req/s   p50 ${zoned.p50} ms   p99 ${zoned.p99} ms   errors ${zoned.errors}\n` +
      `zone / no zone ratio ${(zoned.rps / plain.rps).toFixed(2)}${plain.repeats || zoned.repeats ? '   (some scans were repeats: add tickets)' : ''}\n` +
      `device uploads: 10 devices × batches of ${batch}: ${scans} scans accepted in ${uploadSeconds.toFixed(1)} s = ${(scans / uploadSeconds).toFixed(0)} scans/s ` +
      `(aim ≥ 5,000)   failed uploads ${failures}\n` +
      `first sync of 50,000 attendees: ${synced} in ${pages} pages, ${syncSeconds.toFixed(2)} s (aim < 5 s)\n`,
  );
}

/**
 * Privacy: what a data-subject request and the retention run cost in an organisation with history — 100,000
 * attendees over 10 events, each with a settled webhook delivery and a sent email log (written directly). Then
 * erasePersonalData for 20 people one after another (each finds and redacts every copy: deliveries and attempts,
 * email logs, stored responses, imports, jobs), and the daily retention job erasing one whole event of 10,000.
 */
async function privacyBench(base: string, databaseUrl: string) {
  const { signUp } = await graphql(
    base,
    'mutation { signUp(input: { email: "privacy@example.com", password: "benchmark-password", name: "Privacy", organisationName: "Privacy" }) { token } }',
  );
  const token = signUp.token as string;
  const eventIds: string[] = [];
  for (let i = 0; i < 10; i++) {
    const { createEvent } = await graphql(
      base,
      `mutation { createEvent(input: { name: "Privacy ${i}", startsAt: "2030-04-01T09:00:00Z", endsAt: "2030-04-01T17:00:00Z", timezone: "UTC" }) { id } }`,
      token,
    );
    eventIds.push(createEvent.id);
  }
  await graphql(
    base,
    'mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/hooks", triggers: [ATTENDEE_REGISTERED] }) { endpoint { id } } }',
    token,
  );
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const people = 100_000;
  await db.query(
    `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized, phone, qr_token, source, updated_at)
     SELECT 'att_priv' || g, e.organisation_id, e.id, t.id, 'Person', 'No ' || g, 'p' || g || '@example.com', 'p' || g || '@example.com', '+4415550' || g,
            gen_random_uuid(), 'IMPORT', now()
     FROM generate_series(1, $2) g
     JOIN events e ON e.id = ($1::text[])[1 + g % 10]
     JOIN ticket_types t ON t.event_id = e.id AND t.is_default`,
    [eventIds, people],
  );
  await db.query(
    `INSERT INTO webhook_deliveries (id, endpoint_id, attendee_id, trigger, emission_id, payload, status, attempt_count, automatic_attempts, updated_at)
     SELECT 'whd_priv' || a.id, w.id, a.id, 'ATTENDEE_REGISTERED', 'em_' || a.id,
            json_build_object('trigger', 'attendee.registered', 'attendee_id', a.id, 'first_name', a.first_name, 'email', a.email, 'phone', a.phone)::text,
            'SUCCEEDED', 1, 1, now()
     FROM attendees a JOIN webhook_endpoints w ON w.organisation_id = a.organisation_id WHERE a.organisation_id = (SELECT organisation_id FROM events WHERE id = $1)`,
    [eventIds[0]],
  );
  await db.query(
    `INSERT INTO email_logs (id, organisation_id, event_id, attendee_id, kind, "to", subject, status, sent_at, updated_at)
     SELECT 'eml_priv' || a.id, a.organisation_id, a.event_id, a.id, 'confirmation', a.email, 'Your registration', 'SENT', now(), now()
     FROM attendees a WHERE a.organisation_id = (SELECT organisation_id FROM events WHERE id = $1)`,
    [eventIds[0]],
  );
  await db.query('ANALYZE');

  const times: number[] = [];
  for (let i = 1; i <= 20; i++) {
    const started = performance.now();
    const data = await graphqlWith(
      base,
      'mutation ($email: String!) { erasePersonalData(input: { email: $email }) { attendeesErased } }',
      { email: `P${i * 4_999}@example.com` },
      token,
    );
    times.push(performance.now() - started);
    if ((data as { erasePersonalData: { attendeesErased: number } }).erasePersonalData.attendeesErased !== 1) throw new Error('erasure erased nobody');
  }
  times.sort((a, b) => a - b);

  // Retention: the first event ended 40 days ago, the organisation keeps 30 days; the daily job, sent now.
  const retained = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM attendees WHERE event_id = $1 AND erased_at IS NULL', [eventIds[0]])).rows[0]!
    .n;
  await db.query(`UPDATE events SET starts_at = now() - interval '41 days', ends_at = now() - interval '40 days' WHERE id = $1`, [eventIds[0]]);
  await graphql(base, 'mutation { updateOrganisation(input: { retentionDays: 30 }) { id } }', token);
  const started = performance.now();
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
  await boss.start();
  await boss.send('privacy.retention', {});
  await boss.stop({ graceful: false });
  await db.query("SELECT pg_notify('eventogate_job_wake', 'privacy.retention')");
  for (;;) {
    const left = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM attendees WHERE event_id = $1 AND erased_at IS NULL', [eventIds[0]])).rows[0]!
      .n;
    if (left === 0) break;
    if (performance.now() - started > 600_000) throw new Error(`retention: ${left} left after 10 min`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const retentionS = (performance.now() - started) / 1000;
  await db.end();
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(0);
  measure('privacy', 'erasure p50', Number(at(0.5)), 'ms', 'lower');
  measure('privacy', 'retention', retained / retentionS, 'attendees/s', 'higher');
  process.stdout.write(
    `\nPrivacy (100,000 attendees in 10 events, a delivery and an email each):\n` +
      `erasePersonalData, one person: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms (20 requests, one after another)\n` +
      `retention job: ${retained.toLocaleString('en')} attendees of an ended event erased everywhere in ${retentionS.toFixed(1)} s ` +
      `(${Math.round(retained / retentionS).toLocaleString('en')} attendees/s)\n`,
  );
}

async function graphqlWith(base: string, query: string, variables: Record<string, unknown>, token: string) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: unknown; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

await main();

/**
 * Security round two's import target: while the largest file allowed (10 MB, 500 columns, almost all of them
 * unknown) is uploaded and imported (a dry run), /livez of the API process (which parses the upload) and of the
 * worker (which parses it again and validates every row) answers within 200 ms; and a header of a million empty
 * columns is refused at once. curl uploads, from its own process.
 */
async function importBench(options: { base: string; workerBase: string; token: string; eventId: string }) {
  const unknown = Array.from({ length: 497 }, (_, i) => `extra_${i}`);
  const cells = unknown.map(() => 'z').join(',');
  let csv = `first_name,last_name,email,${unknown.join(',')}\n`;
  for (let i = 0; csv.length < 10 * 1024 * 1024 - 2_000; i++) csv += `Guest,No ${i},guest${i}@example.com,${cells}\n`;
  const query = 'mutation ($input: ImportAttendeesInput!) { importAttendees(input: $input) { id } }';
  // The body is serialised and written to a file before watching: the poller below runs in this process, and a
  // 10 MB JSON.stringify here would be counted as the servers' pause.
  const prepare = (input: Record<string, unknown>) => {
    const dir = mkdtempSync(join(tmpdir(), 'eventogate-bench-import-'));
    writeFileSync(join(dir, 'body.json'), JSON.stringify({ query, variables: { input } }));
    return async () => {
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn('curl', [
          '-sS',
          '-X',
          'POST',
          '-H',
          'content-type: application/json',
          '-H',
          `authorization: Bearer ${options.token}`,
          '--data-binary',
          `@${join(dir, 'body.json')}`,
          `${options.base}/graphql`,
        ]);
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`curl exited ${code}`))));
      });
      rmSync(dir, { recursive: true, force: true });
      return JSON.parse(output) as { data?: { importAttendees: { id: string } }; errors?: unknown };
    };
  };
  const watch = async <T>(run: () => Promise<T>) => {
    const slowest = { api: 0, worker: 0 };
    let done = false;
    const poll = async (name: 'api' | 'worker', url: string) => {
      while (!done) {
        const started = performance.now();
        await fetch(`${url}/livez`).then((r) => r.text());
        slowest[name] = Math.max(slowest[name], performance.now() - started);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const polls = [poll('api', options.base), poll('worker', options.workerBase)];
    const started = performance.now();
    try {
      return { result: await run(), ms: performance.now() - started, slowest };
    } finally {
      done = true;
      await Promise.all(polls);
    }
  };
  const sendHeader = prepare({ eventId: options.eventId, csv: `first_name,last_name,email${','.repeat(1_000_000)}\nA,B,c@example.com\n` });
  const sendLargest = prepare({ eventId: options.eventId, csv, dryRun: true });
  const refused = await watch(sendHeader);
  const largest = await watch(async () => {
    const started = await sendLargest();
    if (!started.data) throw new Error(JSON.stringify(started.errors));
    for (;;) {
      const { importJob } = await graphql(options.base, `{ importJob(id: "${started.data.importAttendees.id}") { status } }`, options.token);
      if (importJob.status === 'COMPLETED' || importJob.status === 'FAILED') return importJob.status as string;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  measure('import', 'largest allowed file', largest.ms / 1000, 's', 'lower');
  measure('import', '/livez slowest during it (API)', largest.slowest.api, 'ms', 'lower');
  process.stdout.write(
    `\nHostile imports (target: /livez within 200 ms on every process while they run):\n` +
      `million-column header (1 MB)            refused in ${refused.ms.toFixed(0)} ms   /livez slowest: API ${refused.slowest.api.toFixed(0)} ms, worker ${refused.slowest.worker.toFixed(0)} ms\n` +
      `largest allowed (10 MB × 500 columns)   ${largest.result} in ${(largest.ms / 1000).toFixed(1)} s   /livez slowest: API ${largest.slowest.api.toFixed(0)} ms, worker ${largest.slowest.worker.toFixed(0)} ms\n`,
  );
}

/**
 * At scale (issue 31): the same operations on an event of 10,000 attendees and on one of 300,000 (each written with
 * one INSERT … SELECT), side by side in one run; each should cost at most 2 × per unit of work at 300,000 what it
 * does at 10,000: a door phone's first sync, per page of 5,000 (the whole sync then grows linearly with the event,
 * not quadratically); REST's first page and a page 90 % deep; a search for a name only one attendee has (REST `q=`,
 * and GraphQL's with totalCount) and for a word all have (first page); the REST CSV export, per attendee. Each timing is the median of a few calls.
 */
async function scaleBench(base: string, token: string, key: string, databaseUrl: string, apiPid: number) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const sizes = [10_000, 300_000] as const;
  const perPage = new Map<number, number>();
  const timings = new Map<string, Map<number, number>>();
  const time = (name: string, size: number, ms: number) => timings.set(name, (timings.get(name) ?? new Map()).set(size, ms));
  const median = async (call: () => Promise<unknown>, times = 5) => {
    const taken: number[] = [];
    for (let i = 0; i < times; i++) {
      const started = performance.now();
      await call();
      taken.push(performance.now() - started);
    }
    return taken.sort((a, b) => a - b)[Math.floor(times / 2)]!;
  };
  const ok = async (res: Promise<Response>) => {
    const response = await res;
    const text = await response.text();
    if (!response.ok) throw new Error(`scale bench: ${response.status} ${text.slice(0, 200)}`);
    return text;
  };
  const rest = (path: string) => ok(fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } }));
  const lines: string[] = [];
  for (const size of sizes) {
    const { createEvent } = await graphql(
      base,
      `mutation { createEvent(input: { name: "Scale ${size}", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC" }) { id } }`,
      token,
    );
    const eventId = createEvent.id as string;
    await db.query(
      `INSERT INTO attendees (id, organisation_id, event_id, ticket_type_id, first_name, last_name, email, email_normalized, qr_token, source, updated_at)
       SELECT 'att_scale' || $2::int || '_' || g, e.organisation_id, e.id, t.id, 'Guest', 'No ' || g, 'scale' || $2::int || '.' || g || '@example.com',
              'scale' || $2::int || '.' || g || '@example.com', gen_random_uuid(), 'IMPORT', now()
       FROM generate_series(1, $2::int) g, events e JOIN ticket_types t ON t.event_id = e.id AND t.is_default WHERE e.id = $1`,
      [eventId, size],
    );
    await db.query('ANALYZE attendees');
    const { createScannerDevice } = await graphql(base, `mutation { createScannerDevice(input: { eventId: "${eventId}", name: "Scale" }) { token } }`, token);
    // The smaller event is synced once before it is timed: the first pages of a run also pay for warming up.
    if (size === sizes[0]) await fullSync(base, createScannerDevice.token);
    const started = performance.now();
    const { synced, pages } = await fullSync(base, createScannerDevice.token);
    const seconds = (performance.now() - started) / 1000;
    perPage.set(size, (seconds * 1000) / pages);

    // Lists and searches, as an integrator's CRM and a dashboard make them.
    const list = `/v1/events/${eventId}/registrations`;
    time('REST first page', size, await median(() => rest(`${list}?limit=100`)));
    const deep = (
      await db.query<{ registered_at: Date; id: string }>(
        'SELECT registered_at, id FROM attendees WHERE event_id = $1 AND NOT test_mode ORDER BY registered_at, id OFFSET $2 LIMIT 1',
        [eventId, Math.floor(size * 0.9)],
      )
    ).rows[0]!;
    const cursor = Buffer.from(JSON.stringify([deep.registered_at.toISOString(), deep.id])).toString('base64url');
    time('REST page 90 % deep', size, await median(() => rest(`${list}?limit=100&cursor=${cursor}`)));
    const rare = `No ${Math.floor(size / 3)}7`;
    time('REST rare search', size, await median(() => rest(`${list}?limit=100&q=${encodeURIComponent(rare)}`)));
    // A word every attendee has: the planner must walk the list's order and stop at the page, not sort them all.
    time('REST common search, first page', size, await median(() => rest(`${list}?limit=100&q=Guest`)));
    time(
      'GraphQL search with totalCount',
      size,
      await median(() => graphql(base, `query { attendees(eventId: "${eventId}", search: "${rare}", first: 50) { totalCount edges { node { id } } } }`, token)),
    );
    // The API process's memory while the file streams (the REST export, and the dashboard's download link): a page
    // at a time, never the whole event.
    const rssBefore = rssMb(apiPid);
    const peakWhile = async (call: () => Promise<unknown>) => {
      let peak = rssMb(apiPid);
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(apiPid))), 20);
      try {
        await call();
      } finally {
        clearInterval(sampler);
      }
      return peak;
    };
    let csvMs = 0;
    const restPeak = await peakWhile(async () => (csvMs = await median(() => rest(`/v1/events/${eventId}/registrations.csv`), 3)));
    time('REST CSV export per 1,000 attendees', size, (csvMs * 1000) / size);
    const { createAttendeesExport } = await graphql(base, `mutation { createAttendeesExport(input: { eventId: "${eventId}" }) { url } }`, token);
    const downloadPeak = await peakWhile(() => ok(fetch(createAttendeesExport.url)));
    lines.push(
      `CSV export of ${size.toLocaleString('en-US')}: API process RSS ${rssBefore.toFixed(0)} MB before, peak ${restPeak.toFixed(0)} MB (REST), ${downloadPeak.toFixed(0)} MB (download link)`,
    );
    measure('scale', `CSV export RSS growth at ${size.toLocaleString('en-US')}`, Math.max(restPeak, downloadPeak) - rssBefore, 'MB', 'lower');
    lines.push(
      `first sync of ${size.toLocaleString('en-US')}: ${synced} in ${pages} pages, ${seconds.toFixed(2)} s, ${((seconds * 1000) / pages).toFixed(0)} ms per page`,
    );
  }
  await db.end();
  const ratio = perPage.get(300_000)! / perPage.get(10_000)!;
  measure('scale', 'sync page at 300,000', perPage.get(300_000)!, 'ms', 'lower');
  measure('scale', 'sync page 300,000 / 10,000', ratio, '×', 'lower');
  lines.push(`sync page ratio 300,000 / 10,000: ${ratio.toFixed(2)} (aim ≤ 2)`, '', `${''.padEnd(40)} ${'10,000'.padStart(11)} ${'300,000'.padStart(11)}`);
  for (const [name, bySize] of timings) {
    const r = bySize.get(300_000)! / bySize.get(10_000)!;
    measure('scale', `${name} at 300,000`, bySize.get(300_000)!, 'ms', 'lower');
    measure('scale', `${name} 300,000 / 10,000`, r, '×', 'lower');
    const ms = (size: number) => `${bySize.get(size)!.toFixed(1)} ms`.padStart(11);
    lines.push(`${name.padEnd(40)} ${ms(10_000)} ${ms(300_000)}   ratio ${r.toFixed(2)}${r > 2 ? '   (aim ≤ 2)' : ''}`);
  }
  process.stdout.write(`\nAt scale (10,000 and 300,000 attendees, one run):\n${lines.join('\n')}\n`);
}

type BatchStats = Record<
  string,
  { waitSum: number; waits: number; waitBuckets: Map<number, number>; runSum: number; runBuckets: Map<number, number>; batches: number; calls: number }
>;

/** The group-commit histograms of the API's /metrics (loopback: no token), per batcher. */
async function batchStats(base: string): Promise<BatchStats> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const stats: BatchStats = {};
  const of = (batch: string) => (stats[batch] ??= { waitSum: 0, waits: 0, waitBuckets: new Map(), runSum: 0, runBuckets: new Map(), batches: 0, calls: 0 });
  for (const [, name, le, batch, value] of text.matchAll(/^eventogate_batch_(\w+?)(?:_bucket)?\{(?:le="([^"]+)",)?batch="(\w+)"\} (\S+)$/gm)) {
    const s = of(batch!);
    const v = Number(value);
    if (le !== undefined && name === 'wait_seconds') s.waitBuckets.set(Number(le), v);
    else if (le !== undefined && name === 'duration_seconds') s.runBuckets.set(Number(le), v);
    else if (name === 'wait_seconds_sum') s.waitSum = v;
    else if (name === 'wait_seconds_count') s.waits = v;
    else if (name === 'duration_seconds_sum') s.runSum = v;
    else if (name === 'size_count') s.batches = v;
    else if (name === 'size_sum') s.calls = v;
  }
  return stats;
}

/** Group commit during the load (registrations and rate limits): batches, their size and run, each call's wait for its batch. */
function reportBatches(before: BatchStats, after: BatchStats) {
  for (const batch of ['registrations', 'rate_limits']) {
    // A batcher shows in /metrics from its first batch on: none before the load is zero.
    const [a, b] = [after[batch], before[batch] ?? { waitSum: 0, waits: 0, waitBuckets: new Map(), runSum: 0, runBuckets: new Map(), batches: 0, calls: 0 }];
    if (!a) continue;
    const batches = a.batches - b.batches;
    const waits = a.waits - b.waits;
    // The 99th percentile's bucket: the smallest bound under which 99 % of the observations fell.
    const p99Of = (after: Map<number, number>, before: Map<number, number>, count: number) =>
      [...after].find(([le, n]) => n - (before.get(le) ?? 0) >= 0.99 * count)?.[0];
    const bound = (seconds: number | undefined) => (seconds === undefined ? '?' : `${seconds * 1000} ms`);
    const p99 = p99Of(a.waitBuckets, b.waitBuckets, waits);
    const runP99 = p99Of(a.runBuckets, b.runBuckets, batches);
    const meanWaitMs = ((a.waitSum - b.waitSum) * 1000) / waits;
    const meanRunMs = ((a.runSum - b.runSum) * 1000) / batches;
    measure('registrations', `${batch} batch: mean wait`, meanWaitMs, 'ms', 'lower');
    process.stdout.write(
      `group commit, ${batch}: ${batches} batches of ${((a.calls - b.calls) / batches).toFixed(1)} calls, run ${meanRunMs.toFixed(1)} ms on average, ` +
        `99 % within ${bound(runP99)}; a call waited for its batch ${meanWaitMs.toFixed(1)} ms on average, 99 % within ${bound(p99)}\n`,
    );
  }
}

/** Closes the probes' window in the API process and waits for what they write. */
async function closeProbes(child: ChildProcess, probeFiles: Array<string | null>) {
  const files = probeFiles.filter((file) => file !== null);
  for (const file of files) rmSync(file, { force: true });
  child.kill('SIGUSR2');
  for (let i = 0; i < 200 && !files.every((file) => existsSync(file)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** What the allocation probe (bench/alloc-probe.mjs) saw in the API process during the load, per registration. */
function reportAllocation(requests: number) {
  const alloc = JSON.parse(readFileSync(ALLOC_FILE!, 'utf8')) as { totalBytes: number; places: [string, number][]; sites: [string, number][] };
  rmSync(ALLOC_FILE!, { force: true });
  const kb = (bytes: number) => bytes / 1024 / requests;
  measure('registrations', 'API allocation per registration', kb(alloc.totalBytes), 'KB', 'lower');
  const list = (entries: [string, number][]) => entries.map(([name, bytes]) => `  ${kb(bytes).toFixed(2).padStart(6)} KB  ${name}`).join('\n');
  process.stdout.write(
    `API allocation during the load (sampled, collected objects included): ${kb(alloc.totalBytes).toFixed(1)} KB per registration\n` +
      `by place:\n${list(alloc.places)}\nby site:\n${list(alloc.sites)}\n`,
  );
}

interface Tail {
  gc: { count: number; minor: number; totalMs: number; p50Ms: number; p99Ms: number; maxMs: number };
  eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
  /** Each request's time inside the process: headers parsed → response handed to the socket. */
  requests: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
}

function readTail(file: string): Tail {
  const tail = JSON.parse(readFileSync(file, 'utf8')) as Tail;
  rmSync(file, { force: true });
  return tail;
}

/**
 * What the tail probe (bench/tail-probe.mjs) saw in the API process and in the floor server during their loads (after
 * the warm-up): GC, event-loop delay, and each request's time inside the process — set beside the client's latency, what
 * is left of a percentile is the time in the kernel's queues and the load generator (the same two cores).
 */
function reportTail(tail: Tail, floor: Tail, results: Result[]) {
  const [floorResult, app] = results as [Result, Result];
  measure('registrations', 'API GC pause p99', tail.gc.p99Ms, 'ms', 'lower');
  measure('registrations', 'API GC time', tail.gc.totalMs, 'ms', 'lower');
  measure('registrations', 'API event-loop delay p99', tail.eventLoopDelay.p99Ms, 'ms', 'lower');
  measure('registrations', 'in-process p99', tail.requests.p99Ms, 'ms', 'lower');
  measure('registrations', 'in-process p99 ratio to floor', tail.requests.p99Ms / Math.max(floor.requests.p99Ms, 0.1), '×', 'lower');
  const f = (ms: number) => ms.toFixed(1);
  const line = (name: string, t: Tail, client: Result) =>
    `${name} during the load: ${t.gc.count} GC pauses (${t.gc.minor} minor), ${f(t.gc.totalMs)} ms in all, p50 ${f(t.gc.p50Ms)} ms, ` +
    `p99 ${f(t.gc.p99Ms)} ms, max ${f(t.gc.maxMs)} ms; event-loop delay p50 ${f(t.eventLoopDelay.p50Ms)} ms, ` +
    `p99 ${f(t.eventLoopDelay.p99Ms)} ms, max ${f(t.eventLoopDelay.maxMs)} ms; a request inside the process p50 ${f(t.requests.p50Ms)} ms, ` +
    `p99 ${f(t.requests.p99Ms)} ms, max ${f(t.requests.maxMs)} ms (the client saw p50 ${client.p50}, p99 ${client.p99})\n`;
  process.stdout.write(line('API', tail, app) + line('Floor', floor, floorResult));
}

/**
 * pg_stat_statements over this database from now on (BENCH_PG_STATEMENTS=1 loads it): each statement's calls and
 * execution time per request, the costliest first — which of the SQL a registration runs costs what.
 */
async function statementStats(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await client.query('SELECT pg_stat_statements_reset()');
  return {
    async report(requests: number): Promise<string> {
      const { rows } = await client.query<{ calls: string; ms: number; rows: string; query: string }>(
        `SELECT calls, total_exec_time AS ms, rows, query FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 15`,
      );
      await client.end();
      const lines = rows.map(
        (r) =>
          `${((r.ms * 1000) / requests).toFixed(1).padStart(7)} µs ${(Number(r.calls) / requests).toFixed(3).padStart(7)} calls ${r.query.replace(/\s+/g, ' ').slice(0, 90)}`,
      );
      return `\nSQL per request (pg_stat_statements: execution time and calls per request, costliest first):\n${lines.join('\n')}\n`;
    },
  };
}

/** A process's resident memory now, from /proc (MB). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) / 1024;
}

/** A new device's first sync: pages until has_more is false. */
async function fullSync(base: string, deviceToken: string): Promise<{ synced: number; pages: number }> {
  let cursor = '';
  let synced = 0;
  let pages = 0;
  for (;;) {
    const res = await fetch(`${base}/v1/scanner/sync${cursor ? `?cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${deviceToken}` } });
    const body = (await res.json()) as { attendees: unknown[]; cursor: string; has_more: boolean };
    synced += body.attendees.length;
    pages++;
    cursor = body.cursor;
    if (!body.has_more) return { synced, pages };
  }
}
