import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { simpleParser } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchChromium } from './chromium.ts';

/**
 * The dashboard in a real Chromium. Every request the pages make is recorded: anything not to this server (or
 * made by the page itself: data:, blob:) is refused and listed in `elsewhere`, which each test expects empty.
 * Uncaught page errors are collected too.
 */
export interface DashboardBrowser {
  browser: Browser;
  elsewhere: string[];
  errors: string[];
  /** A new signed-out browser session (its own cookies), e.g. a second person. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function openBrowser(baseUrl: string): Promise<DashboardBrowser> {
  const browser = await launchChromium();
  const elsewhere: string[] = [];
  const errors: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    browser,
    elsewhere,
    errors,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
      contexts.push(context);
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(baseUrl) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
        elsewhere.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      // WebSockets are watched, not proxied (a proxy would stand between the page and a server restart); the
      // page's CSP would refuse one to elsewhere anyway, and this records it if it were tried.
      const sockets = baseUrl.replace(/^http/, 'ws');
      page.on('websocket', (ws) => {
        if (!ws.url().startsWith(sockets)) elsewhere.push(ws.url());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      return page;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
    },
  };
}

/** A text box by its accessible name, exactly (Mantine marks required fields with an aria-hidden asterisk). */
export const field = (page: Page, name: string) => page.getByRole('textbox', { name, exact: true });

export async function logIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/login`);
  await field(page, 'Email').fill(email);
  await field(page, 'Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL(/\/dashboard\/events$/);
  await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
}

/**
 * axe-core on the page as it is: no serious or critical violation (WCAG 2.1 A/AA and best practices). The
 * violations are printed with their elements when there are any.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious).toEqual([]);
}

/**
 * Screenshots for docs/dashboard when DASHBOARD_SCREENSHOTS names a directory (`npm run docs:screenshots`), else
 * into TEST_OUTPUT_DIR if set; tests write nowhere else.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.DASHBOARD_SCREENSHOTS ?? process.env.TEST_OUTPUT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

/**
 * The newest mail to `to` in the dev mailbox (DATA_DIR/mailbox: no SMTP_URL), waiting for it, and the first link
 * in its text that starts with `prefix`.
 */
export async function mailboxLink(dataDir: string, to: string, prefix: string, options: { after?: number } = {}): Promise<string> {
  const dir = join(dataDir, 'mailbox');
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (existsSync(dir)) {
      // `.partial-…` files are messages still being written (renamed to their own name once complete).
      for (const file of readdirSync(dir)
        .filter((name) => !name.startsWith('.'))
        .sort()
        .reverse()) {
        const mail = await simpleParser(readFileSync(join(dir, file)));
        const recipients = (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((t) => t?.value.map((v) => v.address) ?? []);
        if (!recipients.includes(to) || (options.after && (mail.date?.getTime() ?? 0) < options.after)) continue;
        const link = (mail.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
        if (link) return link;
      }
    }
    if (Date.now() > deadline) throw new Error(`dev mailbox: no mail to ${to} with a link to ${prefix}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
