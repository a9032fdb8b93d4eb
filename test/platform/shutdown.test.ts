import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../support/app.ts';
import { createTestDatabase } from '../support/database.ts';
import { graphqlOk } from '../support/http.ts';
import { freePort } from '../support/net.ts';
import { spawnServer } from '../support/process.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { SmtpSink } from '../support/smtp-sink.ts';

let database: { url: string; drop(): Promise<void> };
let smtp: SmtpSink;
beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await new SmtpSink().start();
});
afterAll(async () => {
  await smtp?.stop();
  await database?.drop();
});

async function startServer(label: string) {
  const port = await freePort();
  // A pooled SMTP transport (an operator's choice): closing it aborts what it is sending.
  const server = spawnServer({ DATABASE_URL: database.url, SECRET_KEY: TEST_SECRET_KEY, PORT: String(port), SMTP_URL: `${smtp.url}/?pool=true` });
  await server.waitFor(/EventoGate is running/);
  const url = `http://127.0.0.1:${port}`;
  const { signUp } = await graphqlOk(
    url,
    `mutation { signUp(input: { email: "${label}@example.com", password: "a long enough password", name: "D", organisationName: "D" }) { token } }`,
  );
  return { server, url, token: signUp.token as string };
}

async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  try {
    return (await db.query(text, values)).rows as T[];
  } finally {
    await db.end();
  }
}

describe('SIGTERM drains in order: HTTP, then workers, then what they use', () => {
  it('an email mid-send (a slow SMTP server) is delivered once and its job completes, with no failed attempt', async () => {
    const { server, url, token } = await startServer('drain-mail');
    const { createEvent } = await graphqlOk(
      url,
      'mutation { createEvent(input: { name: "Drain", startsAt: "2027-05-01T09:00:00Z", endsAt: "2027-05-01T17:00:00Z", timezone: "UTC", apiConfirmationEmails: true }) { id } }',
      { token },
    );
    const { createApiKey } = await graphqlOk(url, 'mutation { createApiKey(input: { name: "k", environment: LIVE }) { secret } }', { token });

    smtp.acceptDelayMs = 2_000;
    const email = 'slow.mail@example.com';
    expect((await postRegistration(url, createEvent.id, registrationBody({ email }), { key: createApiKey.secret })).status).toBe(201);
    while (smtp.receiving === 0) await new Promise((r) => setTimeout(r, 10));

    server.child.kill('SIGTERM');
    expect(await server.exited()).toBe(0);
    expect(smtp.to(email)).toHaveLength(1);
    // Nothing on stderr an operator would have to look into (a bundled nodemailer once drew Node's DEP0169 here).
    expect(server.output()).not.toMatch(/Warning/);

    expect(await query('SELECT status, attempts, error FROM email_logs WHERE "to" = $1', [email])).toEqual([{ status: 'SENT', attempts: 1, error: null }]);
    expect(await query("SELECT state, retry_count FROM pgboss.job WHERE name = 'emails.confirmation'")).toEqual([{ state: 'completed', retry_count: 0 }]);
  });

  it('an import mid-run finishes its rows, reports progress to the end and completes its job, with no failed attempt', async () => {
    const { server, url, token } = await startServer('drain-import');
    const { createEvent } = await graphqlOk(
      url,
      'mutation { createEvent(input: { name: "Drain import", startsAt: "2027-05-01T09:00:00Z", endsAt: "2027-05-01T17:00:00Z", timezone: "UTC" }) { id } }',
      { token },
    );
    const rows = Array.from({ length: 400 }, (_, i) => `Row,Number ${i},row.${i}@drain.example.com`);
    const { importAttendees } = await graphqlOk(url, 'mutation ($input: ImportAttendeesInput!) { importAttendees(input: $input) { id } }', {
      token,
      variables: { input: { eventId: createEvent.id, csv: ['first_name,last_name,email', ...rows].join('\n') } },
    });
    for (;;) {
      const [job] = await query<{ processed: number }>('SELECT processed FROM import_jobs WHERE id = $1', [importAttendees.id]);
      if ((job?.processed ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }

    server.child.kill('SIGTERM');
    expect(await server.exited()).toBe(0);
    expect(await query('SELECT status, processed, created FROM import_jobs WHERE id = $1', [importAttendees.id])).toEqual([
      { status: 'COMPLETED', processed: 400, created: 400 },
    ]);
    expect(await query("SELECT state, retry_count FROM pgboss.job WHERE name = 'imports.run'")).toEqual([{ state: 'completed', retry_count: 0 }]);
  });
});
