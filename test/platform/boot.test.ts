import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../support/app.ts';
import { createTestDatabase } from '../support/database.ts';
import { graphqlOk, http } from '../support/http.ts';
import { freePort } from '../support/net.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';

async function waitHealthy(url: string, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url}/healthz did not answer 200 within ${timeoutMs} ms`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'eventogate-boot-'));
const running: ServerProcess[] = [];
afterAll(async () => {
  for (const server of running) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

// A cold start (initdb, migrations) shares two cores with the suite's other workers and browsers:
// measured 5 s alone, 14–30 s under the full suite. The budget is the process helper's (60 s) plus the test's work.
describe('npm start with the embedded database', { timeout: 90_000 }, () => {
  let port: number;
  let url: string;
  let demo: { email: string; password: string; eventId: string; liveKey: string; testKey: string };

  it('on an empty data directory: migrates, seeds and prints the demo block, and answers /healthz', async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port) });
    running.push(server);
    const readyMs = await waitHealthy(url);
    const output = await server.waitFor(/--data-binary|"custom_data"[\s\S]*}'\n/);
    console.info(`first start: /healthz answered after ${readyMs} ms`);

    const login = /Owner login\s+(\S+)\s+\/\s+(\S+)/.exec(output);
    const event = /Event\s+Q1 Product Workshop\s+(evt_[0-9a-z]{26})/.exec(output);
    const live = /Live API key\s+(eg_live_\S+)/.exec(output);
    const test = /Test API key\s+(eg_test_\S+)/.exec(output);
    expect(login && event && live && test).toBeTruthy();
    demo = { email: login![1]!, password: login![2]!, eventId: event![1]!, liveKey: live![1]!, testKey: test![1]! };
    expect(output).toContain(`curl -X POST ${url}/v1/events/${demo.eventId}/registrations \\\n  -H "Authorization: Bearer ${demo.liveKey}"`);

    // The dashboard (which `npm start` builds first when missing; here the test setup did) and the demo login for it.
    expect(output).toContain(`  Dashboard     ${url}/dashboard\n  Owner login   ${demo.email}  /  ${demo.password}\n`);
    const root = await fetch(`${url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/dashboard']);
    const page = await fetch(`${url}/dashboard/events/${demo.eventId}`);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=UTF-8']);
    expect(await page.text()).toMatch(/<script type="module" crossorigin src="\/dashboard\/assets\/index-[\w-]+\.js"><\/script>/);

    const health = await http(`${url}/healthz`);
    expect(health.body).toEqual({ status: 'ok', role: 'all' });
    expect(health.headers.get('x-request-id')).toMatch(/^req_/);

    const { logIn } = await graphqlOk(url, 'mutation ($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { token } }', {
      variables: { e: demo.email, p: demo.password },
    });
    const data = await graphqlOk(
      url,
      `query ($id: ID!) { event(id: $id) { name apiConfirmationEmails ticketTypes { slug name isDefault } customFields { fieldKey fieldLabel } }
        apiKeys { environment prefix } }`,
      { token: logIn.token, variables: { id: demo.eventId } },
    );
    expect(data.event).toEqual({
      name: 'Q1 Product Workshop',
      apiConfirmationEmails: true,
      ticketTypes: [
        { slug: 'general', name: 'General Admission', isDefault: true },
        { slug: 'vip', name: 'VIP', isDefault: false },
      ],
      customFields: [
        { fieldKey: 'company', fieldLabel: 'Company' },
        { fieldKey: 'job_title', fieldLabel: 'Job Title' },
      ],
    });
    expect(data.apiKeys.map((k: { environment: string }) => k.environment).sort()).toEqual(['LIVE', 'TEST']);

    const viewer = await graphqlOk(url, '{ viewer { apiKey { environment } } }', { token: demo.testKey });
    expect(viewer.viewer.apiKey.environment).toBe('TEST');

    // What the built server loads or reads on first use: GraphiQL (a chunk of its own), the /scan page (bundled from
    // scanner/ by esbuild on the first request).
    const graphiql = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('mutation LogIn');
    const scanner = await fetch(`${url}/scan/app.js`);
    expect([scanner.status, scanner.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await scanner.text()).length).toBeGreaterThan(10_000);
  });

  it('SIGTERM closes the server, the job runner and the embedded database, then exits 0', async () => {
    const server = running.at(-1)!;
    server.child.kill('SIGTERM');
    expect(await server.exited()).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('a second start keeps every row, seeds nothing and is ready quickly', async () => {
    const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port) });
    running.push(server);
    const readyMs = await waitHealthy(url);
    console.info(`second start: /healthz answered after ${readyMs} ms`);
    await server.waitFor(/EventoGate is running/);
    expect(server.output()).not.toContain('Demo organisation created');
    const { logIn } = await graphqlOk(url, 'mutation ($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { token } }', {
      variables: { e: demo.email, p: demo.password },
    });
    const data = await graphqlOk(url, '{ events { edges { node { id } } } }', { token: logIn.token });
    expect(data.events.edges).toEqual([{ node: { id: demo.eventId } }]);
  });

  it('when its PostgreSQL dies (SIGKILL), EventoGate starts it again and goes on serving, without a restart', async () => {
    const server = running.at(-1)!;
    const postmaster = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    for (;;) {
      const ready = await http(`${url}/readyz`).catch(() => null);
      if (ready?.status === 503) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitHealthy(url);
    expect(server.child.exitCode).toBeNull();
    expect(Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0])).not.toBe(postmaster);
    const data = await graphqlOk(url, '{ viewer { apiKey { environment } } }', { token: demo.liveKey });
    expect(data.viewer.apiKey.environment).toBe('LIVE');
  });

  it('after the process is killed (SIGKILL), the next start recovers the data directory', async () => {
    const killed = running.at(-1)!;
    killed.child.kill('SIGKILL');
    await killed.exited();
    const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port) });
    running.push(server);
    await waitHealthy(url);
    const data = await graphqlOk(url, '{ viewer { apiKey { environment } } }', { token: demo.liveKey });
    expect(data.viewer.apiKey.environment).toBe('LIVE');
    server.child.kill('SIGTERM');
    expect(await server.exited()).toBe(0);
  });
});

describe('ROLE with DATABASE_URL', () => {
  it.each([
    ['worker', 404],
    ['api', 200],
  ])('ROLE=%s serves /healthz; GraphQL answers %i', async (role, graphqlStatus) => {
    const database = await createTestDatabase();
    const port = await freePort();
    const server = spawnServer({ DATABASE_URL: database.url, SECRET_KEY: TEST_SECRET_KEY, PORT: String(port), ROLE: role });
    running.push(server);
    try {
      await waitHealthy(`http://127.0.0.1:${port}`);
      expect((await http(`http://127.0.0.1:${port}/healthz`)).body).toEqual({ status: 'ok', role });
      const graphql = await http(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { role } }' }),
      });
      expect(graphql.status).toBe(graphqlStatus);
      expect(server.output()).not.toContain('Demo organisation created');
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited()).toBe(0);
      await database.drop();
    }
  });
});

describe('npm start on a port that is taken', () => {
  it('says so in one line naming PORT, before creating any database', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)));
    const dir = mkdtempSync(join(tmpdir(), 'eventogate-port-'));
    try {
      const server = spawnServer({ PORT: String(port), DATA_DIR: dir });
      expect(await server.exited()).toBe(1);
      expect(server.output().trim()).toBe(`Cannot start: port ${port} on 127.0.0.1 is already in use: stop whatever uses it, or set PORT to a free port.`);
      expect(existsSync(join(dir, 'postgres'))).toBe(false);
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
