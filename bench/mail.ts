// Mail at launch speed (issue 32): `npm run bench:mail`.
//
// An API process and a worker on a throwaway PostgreSQL, a local SMTP server (smtp-server, accepting every message),
// and an event that confirms API registrations by email. 2,000 registrations arrive at once (64 at a time); the
// time from the first request to the 2,000th message accepted by the SMTP server is the number (aim ≤ 10 s), with
// how many SMTP connections that took.
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { appCommand, buildDist, cpuAccount, freePorts, graphql, postmasterPid, startEmbeddedPostgres, startProcess } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
/** `npm start`'s command (bench/support.ts appCommand), its build brought up to date first. */
const app = appCommand(ROOT);
if (app.compiled) buildDist(ROOT);
const MAILS = Number(process.env.BENCH_MAILS ?? 2_000);
const CONCURRENCY = 64;

async function main() {
  const postgres = await startEmbeddedPostgres();
  let accepted = 0;
  let connections = 0;
  let lastAt = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect: (_session, callback) => {
      connections++;
      callback();
    },
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => {
        accepted++;
        lastAt = performance.now();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const children: ChildProcess[] = [];
  try {
    const [apiPort, workerPort] = (await freePorts(2)) as [number, number];
    const env = {
      DATABASE_URL: postgres.url,
      SECRET_KEY: 'bench-secret-key-0123456789abcdefghij',
      LOG_LEVEL: 'warn',
      API_RATE_LIMIT_PER_MIN: '100000000',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    };
    children.push(await eventogate({ ...env, PORT: String(apiPort), ROLE: 'api' }));
    // BENCH_CPU_PROF=<dir>: the worker writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
    children.push(await eventogate({ ...env, PORT: String(workerPort), ROLE: 'worker' }, process.env.BENCH_CPU_PROF));
    const base = `http://127.0.0.1:${apiPort}`;
    const { signUp } = await graphql(
      base,
      'mutation { signUp(input: { email: "mail@example.com", password: "benchmark-password", name: "Mail", organisationName: "Mail" }) { token } }',
    );
    const { createEvent } = await graphql(
      base,
      'mutation { createEvent(input: { name: "Launch", startsAt: "2030-01-01T09:00:00Z", endsAt: "2030-01-01T17:00:00Z", timezone: "UTC", apiConfirmationEmails: true }) { id } }',
      signUp.token,
    );
    const key = (await graphql(base, 'mutation { createApiKey(input: { name: "mail", environment: LIVE }) { secret } }', signUp.token)).createApiKey
      .secret as string;
    const connectionsBefore = connections;
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    const postmaster = await postmasterPid(admin);
    await admin.end();
    // Who spends the burst's CPU (this process: the load and the SMTP server), per mail.
    const cpu = cpuAccount({ API: children[0]!.pid!, worker: children[1]!.pid!, postgres: postmaster });

    const started = performance.now();
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < MAILS) {
          const i = next++;
          const res = await fetch(`${base}/v1/events/${createEvent.id}/registrations`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            body: JSON.stringify({ first_name: 'Launch', last_name: `Guest ${i}`, email: `guest${i}@example.com` }),
          });
          await res.arrayBuffer();
          if (res.status !== 201) failed++;
        }
      }),
    );
    const registeredMs = performance.now() - started;
    const deadline = Date.now() + 300_000;
    while (accepted < MAILS - failed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const seconds = (lastAt - started) / 1000;
    console.log(
      `${MAILS - failed} registrations in ${(registeredMs / 1000).toFixed(1)} s (${failed} refused); ${accepted} mails accepted by the SMTP server ` +
        `${seconds.toFixed(1)} s after the first request (${Math.round(accepted / seconds)} mails/s; aim: ${MAILS} in ≤ 10 s) ` +
        `over ${connections - connectionsBefore} SMTP connections`,
    );
    const perMail = cpu.perRequest(accepted);
    console.log(
      `CPU per mail (µs): ${Object.entries(perMail)
        .map(([name, us]) => `${name} ${Math.round(us)}`)
        .join(', ')} (load: this process, SMTP server included)`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve)))));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await postgres.stop();
  }
}

/** `npm start`'s command with `env`; `cpuProfileDir`: it writes a V8 CPU profile there when it stops. */
function eventogate(env: Record<string, string>, cpuProfileDir?: string): Promise<ChildProcess> {
  const flags = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  return startProcess(ROOT, [...app.flags, ...flags, ...app.entry], env, /EventoGate is running/);
}

await main();
