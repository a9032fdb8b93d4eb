import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DASHBOARD_DIR } from '../../src/modules/dashboard-page/dashboard-page.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestEvent, createUser, PASSWORD, type TestUser } from '../support/factories.ts';

/**
 * How the dashboard is served (one HTML for every path, hashed assets cached for ever, a strict CSP) and how its
 * session cookie behaves: set only when asked, used only by requests another site cannot forge.
 */
let app: TestApp;
let owner: TestUser;

beforeAll(async () => {
  app = await startTestApp();
  owner = await createUser(app.deps, { email: 'cookie@example.com' });
  await createTestEvent(app.deps, owner.actor, { name: 'Cookie Fair' });
});
afterAll(async () => {
  await app?.stop();
});

const PATHS = [
  '/dashboard',
  '/dashboard/login',
  '/dashboard/signup',
  '/dashboard/forgot-password',
  '/dashboard/verify-email?token=x',
  '/dashboard/reset-password?token=x',
  '/dashboard/invitations/accept?token=x',
  '/dashboard/events',
  '/dashboard/events/new',
  '/dashboard/events/evt_01jd9zzzzzzzzzzzzzzzzzzzzz',
  '/dashboard/events/evt_01jd9zzzzzzzzzzzzzzzzzzzzz/attendees',
  '/dashboard/events/evt_01jd9zzzzzzzzzzzzzzzzzzzzz/attendees/att_01jd9zzzzzzzzzzzzzzzzzzzzz',
  '/dashboard/events/evt_01jd9zzzzzzzzzzzzzzzzzzzzz/check-in',
  '/dashboard/events/evt_01jd9zzzzzzzzzzzzzzzzzzzzz/import',
  '/dashboard/events/evt_01jd9zzzzzzzzzzzzzzzzzzzzz/settings',
  '/dashboard/settings/api-keys',
  '/dashboard/settings/members',
  '/dashboard/settings/organisation',
  '/dashboard/account',
];

describe('serving the dashboard', () => {
  it('GET / redirects to /dashboard; every dashboard path answers the app (a reload works), never cached, under a strict CSP', async () => {
    const root = await fetch(`${app.url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/dashboard']);
    const host = new URL(app.url).host;
    for (const path of PATHS) {
      const page = await fetch(`${app.url}${path}`);
      expect([path, page.status, page.headers.get('content-type')]).toEqual([path, 200, 'text/html; charset=UTF-8']);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; " +
          `connect-src 'self' ws://${host} wss://${host}; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
      );
      const html = await page.text();
      // No inline script, nothing from another origin.
      expect(html.match(/<script\b[^>]*>[^<]+<\/script>/g) ?? []).toEqual([]);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  it('serves content-hashed assets immutable, compressed when asked, and nothing outside the assets folder', async () => {
    const html = await (await fetch(`${app.url}/dashboard`)).text();
    const script = /src="(\/dashboard\/assets\/index-[\w-]+\.js)"/.exec(html)![1]!;
    const plain = await fetch(`${app.url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const bytes = Buffer.from(await plain.arrayBuffer());
    expect(bytes.equals(readFileSync(join(DASHBOARD_DIR, script.slice('/dashboard/'.length))))).toBe(true);
    const br = await fetch(`${app.url}${script}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect([br.headers.get('content-encoding'), br.headers.get('vary')]).toEqual(['br', 'Accept-Encoding']);
    expect(Buffer.from(await br.arrayBuffer()).equals(bytes)).toBe(true); // fetch decodes it
    for (const path of ['/dashboard/assets/nope.js', '/dashboard/assets/..%2F..%2F..%2Fpackage.json']) {
      const response = await fetch(`${app.url}${path}`);
      expect([path, response.status]).toEqual([path, 404]);
    }
    // Files beside the assets (the build manifest) are not served: the path is a client route like any other.
    const manifest = await fetch(`${app.url}/dashboard/.vite/manifest.json`);
    expect([manifest.headers.get('content-type'), (await manifest.text()).startsWith('<!doctype html>')]).toEqual(['text/html; charset=UTF-8', true]);
  });

  it('the log-in page costs at most 300 KB of JavaScript (gzip), and the chart library loads only with the overview', () => {
    const manifest = JSON.parse(readFileSync(join(DASHBOARD_DIR, '.vite', 'manifest.json'), 'utf8')) as Record<
      string,
      { file: string; isEntry?: boolean; imports?: string[]; dynamicImports?: string[]; src?: string }
    >;
    const closure = (key: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(key)) return seen;
      seen.add(key);
      for (const next of manifest[key]?.imports ?? []) closure(next, seen);
      return seen;
    };
    const gz = (files: Iterable<string>) => [...files].reduce((sum, key) => sum + gzipSync(readFileSync(join(DASHBOARD_DIR, manifest[key]!.file))).length, 0);
    const entry = Object.keys(manifest).find((key) => manifest[key]!.isEntry)!;
    const initial = gz(closure(entry));
    console.info(`log-in page: ${(initial / 1024).toFixed(1)} KB of JavaScript gzipped`);
    expect(initial).toBeLessThan(300 * 1024);
    const chart = Object.keys(manifest).find((key) => key.endsWith('RegistrationsChart.tsx'))!;
    expect(closure(entry).has(chart)).toBe(false);
  });
});

const LOG_IN = JSON.stringify({ query: `mutation { logIn(input: { email: "cookie@example.com", password: "${PASSWORD}" }) { token } }` });
const VIEWER = JSON.stringify({ query: '{ viewer { user { email } } }' });

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { response, json: (await response.json()) as { data?: any; errors?: Array<{ extensions: { code: string } }> } };
}

async function cookieSession(): Promise<string> {
  const { response } = await post(LOG_IN, { 'x-eventogate-session': 'cookie' });
  return /^eg_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!;
}

describe('the dashboard session cookie', () => {
  it('is set only when the request asks, HttpOnly, SameSite=Strict, for /graphql only, for as long as the session', async () => {
    const { response, json } = await post(LOG_IN, { 'x-eventogate-session': 'cookie' });
    expect(json.errors).toBeUndefined();
    expect(response.headers.get('set-cookie')).toMatch(/^eg_session=egs_[\w-]+; Max-Age=259(1999|2000); Path=\/graphql; HttpOnly; SameSite=Strict$/);
    // Scripts and integrators that never ask get the token only, as always.
    expect((await post(LOG_IN, {})).response.headers.get('set-cookie')).toBeNull();
  });

  it('authenticates only requests another site cannot forge', async () => {
    const token = await cookieSession();
    const cookie = `eg_session=${token}`;
    const origin = app.url;
    // With the marker header (a cross-site page cannot send it without a CORS preflight, which is refused).
    expect((await post(VIEWER, { cookie, 'x-eventogate-session': 'cookie', origin })).json.data.viewer.user.email).toBe('cookie@example.com');
    // Without it, the cookie is ignored: a form or a simple request from elsewhere acts as nobody.
    expect((await post(VIEWER, { cookie, origin })).json.data.viewer).toBeNull();
    // A page of another origin that got the header through anyway is refused by its Origin.
    expect((await post(VIEWER, { cookie, 'x-eventogate-session': 'cookie', origin: 'https://evil.example' })).json.data.viewer).toBeNull();
    // An explicit credential always wins over the cookie.
    const other = await createUser(app.deps);
    const explicit = await post(VIEWER, { cookie, 'x-eventogate-session': 'cookie', origin, authorization: `Bearer ${other.token}` });
    expect(explicit.json.data.viewer.user.email).toBe(other.email);
    const preflight = await fetch(`${app.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-eventogate-session' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('logOut ends the session and clears the cookie; a cookie of an ended session is cleared and refused', async () => {
    const token = await cookieSession();
    const headers = { cookie: `eg_session=${token}`, 'x-eventogate-session': 'cookie', origin: app.url };
    const out = await post(JSON.stringify({ query: 'mutation { logOut }' }), headers);
    expect(out.json.data.logOut).toBe(true);
    expect(out.response.headers.get('set-cookie')).toBe('eg_session=; Max-Age=0; Path=/graphql; HttpOnly; SameSite=Strict');
    const after = await post(VIEWER, headers);
    expect(after.json.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(after.response.headers.get('set-cookie')).toBe('eg_session=; Max-Age=0; Path=/graphql; HttpOnly; SameSite=Strict');
  });

  it('authenticates a same-origin graphql-ws handshake (live numbers), and nothing for another origin', async () => {
    const token = await cookieSession();
    const subscribe = (origin: string) =>
      new Promise<{ data?: unknown; errors?: unknown }>((resolve) => {
        const client = createClient({
          url: `${app.url.replace('http', 'ws')}/graphql`,
          webSocketImpl: class extends WebSocket {
            constructor(address: string, protocols?: string | string[]) {
              super(address, protocols, { headers: { cookie: `eg_session=${token}`, origin } });
            }
          },
        });
        const viewer = client.iterate({ query: '{ viewer { user { email } } }' });
        void viewer.next().then((first) => {
          void client.dispose();
          resolve(first.value as { data?: unknown });
        });
      });
    expect(await subscribe(app.url)).toEqual({ data: { viewer: { user: { email: 'cookie@example.com' } } } });
    expect(await subscribe('https://evil.example')).toEqual({ data: { viewer: null } });
  });
});
