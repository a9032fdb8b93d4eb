import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, http } from '../support/http.ts';
import { freePort } from '../support/net.ts';
import { type ServerProcess, spawnServer } from '../support/process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'eventogate-cli-'));
let server: ServerProcess;
let url: string;
let eventId: string;

/** `npx eventogate …` against the same DATA_DIR as the running server. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliIn(dataDir, args);
}

function cliIn(
  directory: string,
  args: string[],
  env: Record<string, string> = { PUBLIC_URL: url },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'eventogate.mjs'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: directory, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const register = (key: string) =>
  http(`${url}/v1/events/${eventId}/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ first_name: 'Cli', last_name: 'User', email: `cli.${Math.random().toString(36).slice(2)}@example.com` }),
  });

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawnServer({ PORT: String(port), DATA_DIR: dataDir });
  const banner = await server.waitFor(/curl -X POST/, 60_000);
  eventId = /\/v1\/events\/(evt_\w+)\/registrations/.exec(banner)![1]!;
}, 90_000);

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the operator CLI (bin/eventogate.mjs) beside a running server on the embedded database', () => {
  it('lists organisations, creates a key that works, lists it without its secret, revokes it', { timeout: 90_000 }, async () => {
    const orgs = await cli('orgs', 'list');
    expect(orgs).toMatchObject({ code: 0, stderr: '' });
    expect(orgs.stdout).toMatch(/^id\tname\tmembers\tevents\tcreated\norg_\w+\tDemo Events Co\.\t1\t1\t/);

    const created = await cli('keys', 'create', '--name', 'Box office', '--env', 'test');
    expect(created.code).toBe(0);
    const [line, secret] = created.stdout.trim().split('\n');
    const keyId = /^(key_\w+) {2}test {2}Box office$/.exec(line!)?.[1];
    expect(keyId).toBeDefined();
    expect(secret).toMatch(/^eg_test_/);
    expect((await register(secret!)).status).toBe(201);

    const listed = await cli('keys', 'list');
    expect(listed.stdout).toContain(`${keyId}\ttest\t`);
    expect(listed.stdout).not.toContain(secret);

    const revoked = await cli('keys', 'revoke', keyId!);
    expect(revoked.stdout).toMatch(new RegExp(`^${keyId} revoked at \\d{4}-`));
    const refused = await register(secret!);
    expect(refused.status).toBe(401);
  });

  it('refuses bad input with the same validation as the API, and exits 1', { timeout: 60_000 }, async () => {
    const bad = await cli('keys', 'create', '--name', 'X', '--env', 'production');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^The given data was invalid\. The selected environment is invalid\./);
    const unknown = await cli('users', 'reset-password', 'nobody@example.com');
    expect(unknown).toMatchObject({ code: 1, stderr: 'User not found.\n' });
    expect(await cli('keys', 'revoke', 'key_01jd9zzzzzzzzzzzzzzzzzzzzz')).toMatchObject({ code: 1, stderr: 'API key not found.\n' });
  });

  it('shows the demo login again without minting keys; the login works', { timeout: 60_000 }, async () => {
    // Key ids only: "last used" is written in batches, so it may move between two listings.
    const keyIds = async () => [...(await cli('keys', 'list')).stdout.matchAll(/^(key_\w+)\t/gm)].map((m) => m[1]);
    const keysBefore = await keyIds();
    expect(keysBefore.length).toBeGreaterThan(0);
    const demo = await cli('demo', 'show');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain(`Dashboard     ${url}/dashboard\n`);
    const password = /^Owner login {3}demo@eventogate\.local {2}\/ {2}(\S+)$/m.exec(demo.stdout)?.[1];
    expect(password).toBeDefined();
    const login = await graphql(url, 'mutation ($p: String!) { logIn(input: { email: "demo@eventogate.local", password: $p }) { token } }', {
      variables: { p: password },
    });
    expect(login.errors).toBeUndefined();
    expect(demo.stdout).toMatch(/^API key {7}eg_live_[\w-]+… {2}live {2}Demo live key$/m);
    expect(demo.stdout).not.toMatch(/eg_(live|test)_[\w-]{20,}/);
    expect(await keyIds()).toEqual(keysBefore);
  });

  it('prints a password-reset token that resetPassword accepts, and demo keys that work', { timeout: 60_000 }, async () => {
    const reset = await cli('users', 'reset-password', 'demo@eventogate.local');
    const token = reset.stdout.split('\n')[0]!;
    expect(token).toMatch(/^egr_/);
    const done = await graphql(url, 'mutation ($t: String!) { resetPassword(input: { token: $t, password: "a-new-long-password-7" }) { token } }', {
      variables: { t: token },
    });
    expect(done.errors).toBeUndefined();
    const login = await graphql(url, 'mutation { logIn(input: { email: "demo@eventogate.local", password: "a-new-long-password-7" }) { token } }');
    expect(login.errors).toBeUndefined();

    const demo = await cli('demo', 'show', '--new-keys');
    expect(demo.stdout).toContain('Owner login   demo@eventogate.local  (its password was changed');
    const live = /^Live API key {2}(eg_live_\S+)$/m.exec(demo.stdout)?.[1];
    expect(demo.stdout).toContain(`Event         Q1 Product Workshop  ${eventId}  ${url}/dashboard/events/${eventId}`);
    expect((await register(live!)).status).toBe(201);

    expect(await cli('migrate')).toMatchObject({ code: 0, stdout: 'Migrations are applied.\n' });
  });

  // Last: it adds a second organisation, after which commands must name one with --org.
  it('members add gives an existing account a role (an organisation left without an owner gets one back)', { timeout: 60_000 }, async () => {
    const orgId = /^(org_\w+)\t/m.exec((await cli('orgs', 'list')).stdout)![1]!;
    const { signUp } = (
      await graphql(
        url,
        'mutation { signUp(input: { email: "rescuer@example.com", password: "a-long-rescuer-password", name: "R", organisationName: "Other" }) { user { id } } }',
      )
    ).data as { signUp: { user: { id: string } } };
    const added = await cli('members', 'add', '--org', orgId, '--email', 'Rescuer@Example.com', '--role', 'owner');
    expect(added).toMatchObject({ code: 0, stdout: `${signUp.user.id} is owner of ${orgId}\n` });
    const login = await graphql(
      url,
      'mutation ($o: ID!) { logIn(input: { email: "rescuer@example.com", password: "a-long-rescuer-password", organisationId: $o }) { token } }',
      {
        variables: { o: orgId },
      },
    );
    expect(login.errors).toBeUndefined();
    expect(await cli('members', 'add', '--org', orgId, '--email', 'nobody@example.com', '--role', 'OWNER')).toMatchObject({
      code: 1,
      stderr: 'User not found.\n',
    });
  });
});

describe('the operator CLI on a database no server has started', () => {
  it('builds no server and migrates nothing: an unmigrated database is refused until `migrate`', { timeout: 120_000 }, async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'eventogate-cli-fresh-'));
    try {
      const refused = await cliIn(fresh, ['orgs', 'list'], {});
      expect(refused).toMatchObject({ code: 1, stdout: '' });
      expect(refused.stderr).toBe(
        'The database is not migrated to this version of EventoGate: run `eventogate migrate` first (the server also migrates when it starts).\n',
      );
      expect(await cliIn(fresh, ['migrate'], {})).toMatchObject({ code: 0, stdout: 'Migrations are applied.\n' });
      // Migrated, and nothing else: no demo seed, no organisation.
      expect(await cliIn(fresh, ['orgs', 'list'], {})).toMatchObject({ code: 0, stdout: 'id\tname\tmembers\tevents\tcreated\n', stderr: '' });
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
