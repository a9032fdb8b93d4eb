import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type DashboardBrowser, logIn, openBrowser } from '../support/dashboard.ts';
import { createTestDatabase } from '../support/database.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { freePort } from '../support/net.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * A deploy or a crash restarts the server under an open overview: the page finds it again by itself (graphql-ws
 * retries, the subscription resumes and its first message is the current numbers), with no reload.
 */
let browser: DashboardBrowser | undefined;
let app: TestApp | undefined;
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.drop();
});

/** Two animation frames: whatever the page had to render after the last event is on screen. */
function nextFrames(page: Page): Promise<void> {
  return page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

describe('the overview after a server restart', () => {
  it('reconnects by itself and shows what happened meanwhile, then live again', { timeout: 120_000 }, async () => {
    database = await createTestDatabase();
    const port = await freePort();
    const start = () => startTestApp({ PORT: String(port) }, { databaseUrl: database!.url });
    app = await start();
    const seed = await createSeedShapedEvent(app.deps, { name: 'Restart Gala' });
    browser = await openBrowser(app.url);
    const page = await browser.newPage();
    await logIn(page, app.url, seed.owner.email, 'correct horse battery staple');
    await page.goto(`${app.url}/dashboard/events/${seed.event.id}`);
    await page.getByText('Live', { exact: true }).waitFor();
    expect(await page.getByTestId('stat-registered').textContent()).toBe('0');

    // Each live message schedules a re-read of the tables (at most one per 5 s). One that fails — the server going
    // down for a deploy between the message and the re-read — keeps what the page showed (no error screen).
    await page.route('**/graphql', (route) => route.abort('connectionrefused'));
    const failedReRead = page.waitForEvent('requestfailed', { predicate: (request) => request.url().endsWith('/graphql'), timeout: 10_000 });
    expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
    await expect.poll(() => page.getByTestId('stat-registered').textContent(), { timeout: 5_000 }).toBe('1');
    await failedReRead;
    await nextFrames(page);
    expect(await page.getByRole('alert').filter({ hasText: 'Something went wrong' }).count()).toBe(0);
    expect(await page.getByTestId('stat-registered').count()).toBe(1);
    expect(await page.getByTestId('stat-registered').textContent()).toBe('1');
    await page.unroute('**/graphql');

    await app.close();
    await page.getByText('Connecting…').waitFor();
    // While the server is down, nothing to show; a registration lands as soon as it is back.
    app = await start();
    expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('stat-registered').textContent(), { timeout: 5_000 }).toBe('2');
    // And live again: the next one arrives without a reload.
    expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
    await expect.poll(() => page.getByTestId('stat-registered').textContent(), { timeout: 2_000, interval: 25 }).toBe('3');

    // The page loaded again while the chart's code cannot be fetched (a deploy in progress): the numbers and the live
    // feed stay, the chart says it could not be loaded (before, the router's error page replaced the whole screen).
    await page.route('**/assets/RegistrationsChart-*.js', (route) => route.abort('connectionrefused'));
    await page.reload();
    await page.getByText('The chart could not be loaded.').waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    expect(await page.getByTestId('stat-registered').textContent()).toBe('3');
    expect(browser.errors).toEqual([]);
  });
});
