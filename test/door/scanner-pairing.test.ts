import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium } from '../support/chromium.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { graphqlOk } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * Security round two, item 9: a pairing link opened on a door phone must never throw away the scans it has queued
 * offline — they are the only record of who came in. They go up with the phone's current pairing first; while they
 * cannot, the phone refuses the new pairing and says so.
 */
let app: TestApp;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  app = await startTestApp();
  seed = await createSeedShapedEvent(app.deps);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function device(name: string): Promise<{ id: string; pairingUrl: string }> {
  const { createScannerDevice } = await graphqlOk(
    app.url,
    'mutation ($input: CreateScannerDeviceInput!) { createScannerDevice(input: $input) { pairingUrl device { id } } }',
    { token: seed.owner.token, variables: { input: { eventId: seed.event.id, name } } },
  );
  return { id: createScannerDevice.device.id, pairingUrl: createScannerDevice.pairingUrl };
}

/**
 * Opens a pairing link in the open page as a phone does (only the hash changes) and waits for the reload the page
 * does on it, so nothing below reads the old document's status line.
 */
async function openInThePage(page: Page, url: string): Promise<void> {
  const reloaded = page.waitForEvent('load');
  await page.goto(url);
  await reloaded;
}

describe('re-pairing a door phone', () => {
  it('uploads the queued scans with the old pairing first, and refuses to re-pair while they cannot go up', { timeout: 120_000 }, async () => {
    const guest = (await postRegistration(app.url, seed.event.id, registrationBody({ first_name: 'Queued' }), { key: seed.liveKey })).body as {
      id: string;
      qr_token: string;
    };
    const first = await device('Door A');
    const second = await device('Door B');
    const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
    const page = await context.newPage();
    const text = (testId: string) => page.textContent(`[data-testid="${testId}"]`);
    await page.goto(first.pairingUrl);
    await expect.poll(() => text('sync-status'), { timeout: 15_000 }).toContain('synced');
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });

    // Offline, a guest comes in: the scan waits on the phone.
    await context.setOffline(true);
    await page.fill('[data-testid="manual-code"]', guest.qr_token);
    await page.click('[data-testid="manual-submit"]');
    await expect.poll(() => text('pending-count')).toBe('1');

    // Someone opens another device's pairing link on this phone (in the open page: only the hash changes), still
    // offline: refused, nothing lost.
    await openInThePage(page, second.pairingUrl);
    await expect.poll(() => text('notice'), { timeout: 15_000 }).toContain('Not paired with the new link: 1 scan is still waiting to upload');
    expect(await text('pending-count')).toBe('1');
    expect(page.url()).not.toContain('device=');

    // Back online, the same link: the scan goes up as Door A's, then the phone is Door B.
    await context.setOffline(false);
    await openInThePage(page, second.pairingUrl);
    // `^synced`: the reloaded page's own sync (the offline status line reads "offline · last synced …").
    await expect.poll(() => text('sync-status'), { timeout: 15_000 }).toMatch(/^synced /);
    expect(await text('pending-count')).toBe('0');
    expect(await page.isVisible('[data-testid="notice"]')).toBe(false);
    const scans = await app.deps.prisma.scan.findMany({ where: { attendeeId: guest.id } });
    expect(scans.map((s) => [s.deviceId, s.outcome, s.offline])).toEqual([[first.id, 'ACCEPTED', true]]);
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: guest.id } })).status).toBe('CHECKED_IN');
    // Door B's token works: its sync reported to the server.
    await expect.poll(async () => (await app.deps.prisma.scannerDevice.findUniqueOrThrow({ where: { id: second.id } })).lastSeenAt).not.toBeNull();
    await context.close();
  });
});
