import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium } from '../support/chromium.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const page = async () => {
  const res = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
  return { res, html: await res.text() };
};

describe('GraphiQL', () => {
  it('is served from our own assets: no script, style or font from another origin, and a CSP that allows none', async () => {
    const { res, html } = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(csp).not.toMatch(/https?:|\*/);
    // No element loads anything from elsewhere (the bundle is inline).
    expect(html.match(/<(script|link|img)\b[^>]*\b(src|href)="https?:/gi) ?? []).toEqual([]);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs/);
    // The default tab walks a newcomer through logging in as the demo owner (a cookie session: nothing to paste),
    // viewer, the demo event and createEvent; it signs nobody up.
    expect(html).toContain('mutation LogIn');
    expect(html).toContain('demo@eventogate.local');
    expect(html).toContain('query Viewer');
    expect(html).toContain('mutation CreateEvent');
    expect(html).not.toContain('mutation SignUp');
    expect(html).toContain('X-EventoGate-Session');
  });
});

describe('GraphiQL in a headless Chromium', () => {
  it('renders with no request beyond this server, runs LogIn, then Viewer on the cookie session it set', { timeout: 90_000 }, async () => {
    const signUp = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'mutation { signUp(input: { email: "browser@example.com", password: "a-long-password-1", name: "B", organisationName: "Browser Org" }) { token } }',
      }),
    });
    expect(((await signUp.json()) as { errors?: unknown }).errors).toBeUndefined();
    const browser = await launchChromium();
    const elsewhere: string[] = [];
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      // Anything not from this server or made by the page itself (data:, blob:) is refused and recorded.
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(app.url) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
        elsewhere.push(url);
        return route.abort();
      });
      const tab = await context.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (error) => errors.push(error.message));
      await tab.goto(`${app.url}/graphql`);
      await tab.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
      // The default tab: the walkthrough, and the header to fill in (Monaco renders spaces as U+00A0).
      const shown = async (selector: string) => ((await tab.textContent(selector)) ?? '').replace(/\u00a0/g, ' ');
      await expect.poll(() => shown('.graphiql-query-editor'), { timeout: 15_000 }).toContain('mutation LogIn');
      await tab.click('button:has-text("Headers")');
      await expect.poll(() => shown('.graphiql-editor-tool .graphiql-editor:not(.hidden)'), { timeout: 15_000 }).toContain('X-EventoGate-Session');

      const replace = async (selector: string, text: string) => {
        await tab.click(`${selector} .monaco-editor`);
        await tab.keyboard.press('ControlOrMeta+A');
        await tab.keyboard.press('Delete');
        await tab.keyboard.insertText(text);
        // Typing can open Monaco's suggestion list, which would swallow the next click on Run. It opens when the
        // GraphQL worker answers, which on a cold browser (first start of a freshly unpacked Chromium) comes after
        // any Escape; leaving the editor cancels it whenever it arrives.
        await tab.click('.graphiql-response');
      };
      const run = async () => {
        const before = (await tab.textContent('.graphiql-response')) ?? '';
        await tab.click('.graphiql-execute-button');
        await tab.waitForFunction(
          (previous) => {
            const now = document.querySelector('.graphiql-response')?.textContent ?? '';
            return now !== previous && /"data"|"errors"/.test(now);
          },
          before,
          // Polled, not per animation frame: a headless Chromium starved of CPU (the suite runs three workers on
          // two cores) throttles frames, and the answer was there long before the check ran.
          { timeout: 30_000, polling: 100 },
        );
        return (await tab.textContent('.graphiql-response')) ?? '';
      };

      await replace('.graphiql-query-editor', 'mutation { logIn(input: { email: "browser@example.com", password: "a-long-password-1" }) { user { email } } }');
      expect((await run()).replace(/\s+/g, ' ')).toContain('"email": "browser@example.com"');
      // No token pasted anywhere: the session lives in the HttpOnly cookie the logIn answer set.
      await replace('.graphiql-query-editor', '{ viewer { role organisation { name } } }');
      const viewer = (await run()).replace(/\s+/g, ' ');
      expect(viewer).toContain('"role": "OWNER"');
      expect(viewer).toContain('"name": "Browser Org"');

      // Into TEST_OUTPUT_DIR when set, else a temporary directory: tests write nowhere else.
      const dir = process.env.TEST_OUTPUT_DIR ?? mkdtempSync(join(tmpdir(), 'eventogate-graphiql-'));
      mkdirSync(dir, { recursive: true });
      await tab.screenshot({ path: join(dir, 'graphiql.png') });
      console.info(`GraphiQL screenshot: ${join(dir, 'graphiql.png')}`);
      expect(errors).toEqual([]);
      expect(elsewhere).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
