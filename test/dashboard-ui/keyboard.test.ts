import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type DashboardBrowser, expectAccessible, field, logIn, openBrowser, screenshot } from '../support/dashboard.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { createEndpoint } from '../support/webhooks.ts';

/**
 * Every screen passes axe-core (no serious or critical violation), and everything on it can be reached with Tab
 * alone; the main actions are done with the keyboard only (log in, a check-in at the desk, a confirmation dialog).
 */
let app: TestApp;
let browser: DashboardBrowser;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;
let attendeeId: string;
let endpointId: string;

beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  seed = await createSeedShapedEvent(app.deps, { name: 'Keyboard Conf', capacity: 50 });
  for (const first of ['Ada', 'Grace', 'Linus']) {
    const created = await postRegistration(app.url, seed.event.id, registrationBody({ first_name: first, custom_data: { company: 'Acme' } }), {
      key: seed.liveKey,
    });
    attendeeId ??= (created.body as { id: string }).id;
  }
  // An endpoint (its page has the most controls: filters, replay, the edit form, delete).
  endpointId = (await createEndpoint(app.deps, seed.owner.actor, 'http://127.0.0.1:9/hooks')).endpoint.id;
  browser = await openBrowser(app.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

/**
 * Presses Tab until focus comes back round and lists the visible, enabled controls it never reached (controls a
 * component takes out of the tab order on purpose, tabindex="-1", and those inside inert or aria-hidden regions
 * excepted).
 */
async function unreachableByTab(page: Page): Promise<string[]> {
  const count = await page.evaluate(() => {
    const controls = [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex]')].filter((el) => {
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      return (
        el.getAttribute('tabindex') !== '-1' &&
        !(el as HTMLButtonElement).disabled &&
        !el.closest('[inert], [aria-hidden="true"]') &&
        style.visibility !== 'hidden' &&
        style.display !== 'none' &&
        box.width > 0 &&
        box.height > 0 &&
        !(el instanceof HTMLInputElement && el.type === 'radio' && !el.checked)
      );
    });
    for (const [i, el] of controls.entries()) el.setAttribute('data-kbd', String(i));
    (document.activeElement as HTMLElement | null)?.blur();
    return controls.length;
  });
  const reached = new Set<string>();
  for (let i = 0; i < count + 15; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-kbd') ?? null);
    if (id !== null) reached.add(id);
  }
  return await page.evaluate(
    (seen) =>
      [...document.querySelectorAll<HTMLElement>('[data-kbd]')]
        .filter((el) => !seen.includes(el.getAttribute('data-kbd')!))
        .map((el) => `${el.tagName.toLowerCase()} "${el.getAttribute('aria-label') ?? el.textContent?.trim() ?? ''}"`),
    [...reached],
  );
}

async function checkScreen(page: Page, path: string, name: string, ready: () => Promise<unknown>) {
  await page.goto(`${app.url}/dashboard${path}`);
  await ready();
  await expectAccessible(page, name);
  expect([name, await unreachableByTab(page)]).toEqual([name, []]);
}

describe('accessibility and the keyboard', () => {
  it('log in with the keyboard only; every screen passes axe and is reachable with Tab', { timeout: 240_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/dashboard/login`);
    await expectAccessible(page, 'Log in');
    expect(await unreachableByTab(page)).toEqual([]);
    await screenshot(page, 'log-in');
    // Keyboard only, from a fresh page: Tab into Email, type, Tab to Password, type, Enter.
    await page.reload();
    await field(page, 'Email').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email');
    await page.keyboard.type(seed.owner.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('correct horse battery staple');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/dashboard\/events$/);

    const event = seed.event.id;
    const heading = (name: string) => () => page.getByRole('heading', { name, level: 1 }).waitFor();
    await checkScreen(page, '/events', 'Events', () => page.getByRole('link', { name: 'Keyboard Conf' }).waitFor());
    await checkScreen(page, '/events/new', 'New event', heading('New event'));
    await checkScreen(page, `/events/${event}`, 'Overview', () => page.getByTestId('stat-registered').getByText('3').waitFor());
    await checkScreen(page, `/events/${event}/settings`, 'Event Settings', () => page.getByTestId('event-id').waitFor());
    await checkScreen(page, `/events/${event}/attendees`, 'Attendees', () => page.getByTestId('attendee-total').getByText('3 attendees').waitFor());
    await checkScreen(page, `/events/${event}/attendees/${attendeeId}`, 'Attendee', () => page.getByRole('cell', { name: 'Acme' }).waitFor());
    await checkScreen(page, `/events/${event}/check-in`, 'Check-in desk', heading('Check-in desk'));
    await checkScreen(page, `/events/${event}/import`, 'Import', heading('Import'));
    await checkScreen(page, '/settings/organisation', 'Organisation', heading('Organisation'));
    await screenshot(page, 'organisation');
    await checkScreen(page, '/settings/api-keys', 'API Keys', heading('API Keys'));
    await screenshot(page, 'api-keys');
    await checkScreen(page, '/settings/members', 'Members', heading('Members'));
    await checkScreen(page, `/events/${event}/door`, 'Door', heading('Door'));
    await checkScreen(page, '/settings/webhooks', 'Webhooks', heading('Webhooks'));
    await checkScreen(page, `/settings/webhooks/${endpointId}`, 'Webhook endpoint', () => page.getByRole('heading', { name: 'Deliveries' }).waitFor());
    await checkScreen(page, '/settings/privacy', 'Privacy', heading('Privacy'));
    await checkScreen(page, '/settings/audit-log', 'Audit log', () => page.getByTestId('audit-entry').first().waitFor());
    await checkScreen(page, '/account', 'Account', heading('Account'));
    await screenshot(page, 'account');
    const signedOut = await browser.newPage();
    await checkScreen(signedOut, '/signup', 'Sign up', () => signedOut.getByRole('heading', { name: 'Create your account' }).waitFor());
    expect(browser.errors).toEqual([]);
    expect(browser.elsewhere).toEqual([]);
  });

  it('a screen still loading passes axe too: the spinner is a labelled status, not a bare span', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    await logIn(page, app.url, seed.owner.email, 'correct horse battery staple');
    // Hold every GraphQL answer: the event's overview can only show its spinner (it once failed axe only when the
    // chart's lazy chunk was still loading as axe ran).
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/graphql', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${app.url}/dashboard/events/${seed.event.id}`);
    await page.getByRole('status', { name: 'Loading' }).first().waitFor();
    await expectAccessible(page, 'Loading');
    release();
    await page.getByTestId('stat-registered').waitFor();
    await page.unroute('**/graphql');
  });

  it('the desk takes a scanned code and Enter; a dialog is answered with the keyboard and gives focus back', { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/dashboard/login`);
    await field(page, 'Email').fill(seed.owner.email);
    await field(page, 'Password').fill('correct horse battery staple');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/dashboard\/events$/);

    // A USB scanner types the code and Enter into the focused search box: no mouse, no camera.
    const grace = await app.deps.prisma.attendee.findFirstOrThrow({ where: { eventId: seed.event.id, firstName: 'Grace' } });
    await page.goto(`${app.url}/dashboard/events/${seed.event.id}/check-in`);
    await page.getByRole('heading', { name: 'Check-in desk', level: 1 }).waitFor();
    // The search box has the focus from the start: a scanner can type into it at once.
    await expect
      .poll(() => page.evaluate(() => document.activeElement === document.querySelector('input[aria-describedby$="description"]')), { timeout: 15_000 })
      .toBe(true);
    await page.keyboard.type(grace.qrToken);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('desk-result').textContent()).toBe(`Checked inGrace ${grace.lastName} · General Admission`);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('INPUT');
    await page.keyboard.type(grace.qrToken);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('desk-result').textContent()).toMatch(/^Already checked in/);

    // Cancel a registration from the keyboard: the dialog takes focus, Enter confirms, focus comes back.
    await page.goto(`${app.url}/dashboard/events/${seed.event.id}/attendees/${attendeeId}`);
    const trigger = page.getByRole('button', { name: 'Cancel registration' });
    await trigger.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect.poll(() => page.evaluate(() => Boolean(document.activeElement?.closest('[role="dialog"]')))).toBe(true);
    await expectAccessible(page, 'Confirmation dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel registration');
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendeeId } })).status).toBe('REGISTERED');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel registration' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Restore registration' }).waitFor();
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: attendeeId } })).status).toBe('CANCELLED');
    expect(browser.errors).toEqual([]);
  });
});
