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

    await app.close();
    await page.getByText('Connecting…').waitFor();
    // While the server is down, nothing to show; a registration lands as soon as it is back.
    app = await start();
    expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('stat-registered').textContent(), { timeout: 5_000 }).toBe('1');
    // And live again: the next one arrives without a reload.
    expect((await postRegistration(app.url, seed.event.id, registrationBody(), { key: seed.liveKey })).status).toBe(201);
    await expect.poll(() => page.getByTestId('stat-registered').textContent(), { timeout: 2_000, interval: 25 }).toBe('2');
    expect(browser.errors).toEqual([]);
  });
});
