import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium } from '../support/chromium.ts';
import { createSeedShapedEvent } from '../support/factories.ts';
import { writeQrVideo } from '../support/fake-camera.ts';
import { graphqlOk, http } from '../support/http.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * The door page in a real Chromium: a fake camera showing a ticket's QR code, manual entry, the network cut
 * with context.setOffline, two browser contexts paired as two devices. Screenshots of each state go to
 * TEST_OUTPUT_DIR (or a temporary directory).
 */

let app: TestApp;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;
let zoneId: string;
const browsers: Browser[] = [];
const shots = process.env.TEST_OUTPUT_DIR ?? mkdtempSync(join(tmpdir(), 'eventogate-scan-'));
mkdirSync(shots, { recursive: true });

beforeAll(async () => {
  app = await startTestApp();
  seed = await createSeedShapedEvent(app.deps);
  zoneId = (
    await graphqlOk(app.url, 'mutation($input: CreateZoneInput!) { createZone(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { eventId: seed.event.id, name: 'Main hall', capacity: 300 } },
    })
  ).createZone.id;
}, 60_000);
afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await app?.stop();
});

async function register(label: string) {
  const res = await postRegistration(
    app.url,
    seed.event.id,
    registrationBody({ first_name: label, email: `${label.toLowerCase()}.${Date.now()}@example.com` }),
    {
      key: seed.liveKey,
    },
  );
  expect(res.status).toBe(201);
  return res.body as { id: string; qr_token: string; first_name: string };
}

async function pairingUrl(name: string): Promise<string> {
  const data = await graphqlOk(app.url, 'mutation($input: CreateScannerDeviceInput!) { createScannerDevice(input: $input) { pairingUrl } }', {
    token: seed.owner.token,
    variables: { input: { eventId: seed.event.id, name, zoneId } },
  });
  return data.createScannerDevice.pairingUrl;
}

async function open(context: BrowserContext, name: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(await pairingUrl(name));
  await expect.poll(() => page.textContent('[data-testid="sync-status"]'), { timeout: 15_000 }).toMatch(/^synced /);
  return page;
}

const panel = (page: Page) => page.locator('[data-testid="scan-result"]');

async function manual(page: Page, code: string): Promise<void> {
  await page.fill('[data-testid="manual-code"]', code);
  await page.click('[data-testid="manual-submit"]');
}

async function status(id: string) {
  return await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id } });
}

describe('the scanner page', () => {
  it('pairs, then a ticket held to the camera is checked in at once; held again, it is already checked in', { timeout: 120_000 }, async () => {
    const guest = await register('Camera');
    const video = join(shots, 'ticket.y4m');
    writeQrVideo(video, guest.qr_token);
    const browser = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    browsers.push(browser);
    const context = await browser.newContext({ viewport: { width: 412, height: 915 }, permissions: ['camera'] });
    const started = Date.now();
    const page = await open(context, 'Door 1');
    // The token left the address bar.
    expect(page.url()).toBe(`${app.url}/scan`);
    await expect.poll(async () => (await panel(page).textContent()) ?? '', { timeout: 15_000 }).toContain('Checked in');
    const greenAfter = await page.evaluate(() => {
      const [camera] = performance.getEntriesByName('eventogate:camera-ready');
      const [green] = performance.getEntriesByName('eventogate:result:accepted');
      return Math.round(green!.startTime - camera!.startTime);
    });
    expect(await panel(page).textContent()).toContain('Camera');
    // The server has it (the scan came from this device, online).
    const row = await status(guest.id);
    expect(row.status).toBe('CHECKED_IN');
    // The first scan checked in (the camera keeps reading the ticket: later ones, if any yet, are duplicates).
    const scans = await app.deps.prisma.scan.findMany({ where: { attendeeId: guest.id }, orderBy: { receivedAt: 'asc' } });
    expect(scans.map((s) => [s.outcome, s.offline, s.source])[0]).toEqual(['ACCEPTED', false, 'device']);
    expect(scans.slice(1).every((s) => s.outcome === 'DUPLICATE')).toBe(true);
    await page.screenshot({ path: join(shots, 'checked-in.png') });

    // Still in view: after the 2 s pause the same ticket is read again, and it is already in.
    await expect.poll(async () => (await panel(page).textContent()) ?? '', { timeout: 10_000 }).toMatch(/Already checked in at \d{2}:\d{2} \(Door 1\)/);
    await page.screenshot({ path: join(shots, 'already-checked-in.png') });
    // No camera reading on in the background while the other tests run.
    await browser.close();
    console.info(`scanner page: camera ready → green panel ${greenAfter} ms (online; ${Date.now() - started} ms from opening the pairing link)`);
  });

  it('refuses a cancelled ticket; offline it decides alone (a synced ticket, a signed one issued after the sync), then uploads', {
    timeout: 120_000,
  }, async () => {
    // Codes are typed here: no camera, so no decoding loop competing for the CPU.
    const browser = await launchChromium();
    browsers.push(browser);
    const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
    const cancelled = await register('Cancelled');
    await app.deps.prisma.attendee.update({ where: { id: cancelled.id }, data: { status: 'CANCELLED' } });
    const synced = await register('Synced');
    const page = await open(context, 'Door 2');

    // Found by name (no ticket at hand): checked in from the synced list.
    const byName = await register('Byname');
    await page.reload();
    await expect.poll(() => page.textContent('[data-testid="sync-status"]'), { timeout: 15_000 }).toMatch(/^synced /);
    await page.fill('#search', 'bynam');
    await page.click('button.match');
    await expect.poll(async () => (await panel(page).textContent()) ?? '').toContain('Checked in');
    expect(await panel(page).textContent()).toContain('Byname');
    expect((await status(byName.id)).status).toBe('CHECKED_IN');

    await manual(page, cancelled.qr_token);
    await expect.poll(async () => (await panel(page).textContent()) ?? '').toContain('Cancelled registration');
    expect(await panel(page).getAttribute('class')).toContain('rejected');
    await page.screenshot({ path: join(shots, 'refused.png') });

    // A signed ticket sold after this device's last sync.
    await graphqlOk(app.url, 'mutation($input: UpdateEventInput!) { updateEvent(input: $input) { id } }', {
      token: seed.owner.token,
      variables: { input: { id: seed.event.id, ticketCodes: 'SIGNED' } },
    });
    // The organisation's signing key exists from the first signed ticket on; the page syncs it (reloaded) ...
    expect((await register('Signer')).qr_token).toMatch(/^eg1\./);
    await page.reload();
    await expect.poll(() => page.textContent('[data-testid="sync-status"]'), { timeout: 15_000 }).toMatch(/^synced /);
    // ... and then a ticket is sold that this device has never seen.
    const late = await register('Late');

    await context.setOffline(true);
    const offlineAt = Date.now();
    await manual(page, synced.qr_token);
    await expect.poll(async () => (await panel(page).textContent()) ?? '').toContain('Checked in');
    expect(await panel(page).textContent()).toContain('offline');
    const offlineGreen = Date.now() - offlineAt;
    await page.screenshot({ path: join(shots, 'checked-in-offline.png') });
    await manual(page, late.qr_token);
    await expect.poll(async () => (await panel(page).textContent()) ?? '').toContain('New ticket');
    expect(await page.textContent('[data-testid="pending-count"]')).toBe('2');
    expect((await status(synced.id)).status).toBe('REGISTERED');

    // Nothing can be uploaded before this moment: a check-in stamped with the upload's time would be later.
    const onlineAt = Date.now();
    await context.setOffline(false);
    await expect.poll(() => page.textContent('[data-testid="pending-count"]'), { timeout: 15_000 }).toBe('0');
    for (const id of [synced.id, late.id]) {
      const row = await status(id);
      expect(row.status).toBe('CHECKED_IN');
      // Checked in when the device saw it, not when it uploaded.
      expect(row.checkedInAt!.getTime()).toBeLessThan(onlineAt);
      expect(row.checkedInAt!.getTime()).toBeGreaterThanOrEqual(offlineAt - 1_000);
    }
    const scans = await app.deps.prisma.scan.findMany({ where: { attendeeId: { in: [synced.id, late.id] } } });
    expect(scans.every((s) => s.offline && s.outcome === 'ACCEPTED')).toBe(true);

    // The page itself opens with no network (its service worker kept it), still paired, with the synced list.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    await page.reload();
    await expect.poll(() => page.textContent('[data-testid="sync-status"]'), { timeout: 15_000 }).toContain('offline · last synced');
    await manual(page, synced.qr_token);
    await expect.poll(async () => (await panel(page).textContent()) ?? '').toContain('Already checked in');
    await context.setOffline(false);
    console.info(`scanner page: manual code → green panel ${offlineGreen} ms (offline)`);
  });

  it('two devices letting one ticket in offline: the conflict shows on both pages and in scanConflicts', { timeout: 120_000 }, async () => {
    // Codes are typed here: no camera, so no decoding loop competing for the CPU.
    const browser = await launchChromium();
    browsers.push(browser);
    const copied = await register('Copied');
    const north = await browser.newContext({ viewport: { width: 412, height: 915 }, permissions: ['camera'] });
    const south = await browser.newContext({ viewport: { width: 412, height: 915 }, permissions: ['camera'] });
    const pages = [await open(north, 'North'), await open(south, 'South')];
    await north.setOffline(true);
    await south.setOffline(true);
    for (const page of pages) {
      await manual(page, copied.qr_token);
      await expect.poll(async () => (await panel(page).textContent()) ?? '').toContain('Checked in');
    }
    await north.setOffline(false);
    await expect.poll(() => pages[0]!.textContent('[data-testid="pending-count"]'), { timeout: 15_000 }).toBe('0');
    await south.setOffline(false);
    await expect.poll(() => pages[1]!.textContent('[data-testid="pending-count"]'), { timeout: 15_000 }).toBe('0');
    // The second upload is the one the server decides differently: its page lists it.
    await expect.poll(async () => (await pages[1]!.textContent('[data-testid="conflicts"]')) ?? '', { timeout: 10_000 }).toContain('server says duplicate');
    await pages[1]!.screenshot({ path: join(shots, 'conflict.png') });
    const conflicts = await graphqlOk(app.url, 'query($id: ID!) { scanConflicts(eventId: $id) { attendee { id } scans { device { name } outcome } } }', {
      token: seed.owner.token,
      variables: { id: seed.event.id },
    });
    expect(conflicts.scanConflicts).toEqual([
      {
        attendee: { id: copied.id },
        scans: [
          { device: { name: 'North' }, outcome: 'ACCEPTED' },
          { device: { name: 'South' }, outcome: 'DUPLICATE' },
        ],
      },
    ]);
  });

  it('a failing server is named as such, never called offline; one sync at a time; one AudioContext for every answer', { timeout: 120_000 }, async () => {
    const browser = await launchChromium();
    browsers.push(browser);
    const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
    // Counts the page's AudioContexts (one per answer used to be created and never closed).
    await context.addInitScript(() => {
      const Original = window.AudioContext;
      const counted = window as unknown as { audioContexts: number };
      counted.audioContexts = 0;
      window.AudioContext = class extends Original {
        constructor(options?: AudioContextOptions) {
          super(options);
          counted.audioContexts++;
        }
      };
    });
    const page = await open(context, 'Side door');
    const wake = (times: number) =>
      page.evaluate((n) => {
        for (let i = 0; i < n; i++) window.dispatchEvent(new Event('online'));
      }, times);

    // Five triggers while a slow sync runs: one request at a time, and no more than one run.
    let inFlight = 0;
    let most = 0;
    let requests = 0;
    await page.route('**/v1/scanner/sync*', async (route) => {
      requests++;
      most = Math.max(most, ++inFlight);
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 400));
      await route.fulfill({ response });
      inFlight--;
    });
    await wake(5);
    await expect.poll(() => requests, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => inFlight, { timeout: 10_000 }).toBe(0);
    expect([most, requests]).toEqual([1, 1]);
    await page.unroute('**/v1/scanner/sync*');

    // The server failing is said as it is, with its message; the last sync is kept.
    await page.route('**/v1/scanner/sync*', (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ message: 'Server Error' }) }),
    );
    await wake(1);
    await expect
      .poll(() => page.textContent('[data-testid="sync-status"]'), { timeout: 10_000 })
      .toMatch(/^sync failed \(the server answered 500: Server Error\) · last synced \d{2}:\d{2} · scans are decided on this phone$/);

    // A scan the server fails to answer is decided on the phone, marked with the server's status, and uploaded later.
    const guest = await register('Sideguest');
    await page.unroute('**/v1/scanner/sync*');
    await wake(1);
    await expect.poll(() => page.textContent('[data-testid="sync-status"]'), { timeout: 10_000 }).toMatch(/^synced /);
    await page.route('**/v1/scanner/scans', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"Service Unavailable"}' }),
    );
    await manual(page, guest.qr_token);
    await expect.poll(async () => (await panel(page).textContent()) ?? '').toContain('Checked in');
    expect(await panel(page).textContent()).toBe('Checked inSideguest Lovelace · General Admissionserver error 503');
    expect(await page.textContent('[data-testid="pending-count"]')).toBe('1');
    expect((await status(guest.id)).status).toBe('REGISTERED');
    await page.unroute('**/v1/scanner/scans');
    await wake(1);
    await expect.poll(() => page.textContent('[data-testid="pending-count"]'), { timeout: 10_000 }).toBe('0');
    expect((await status(guest.id)).status).toBe('CHECKED_IN');

    // Two more answers, online: still the one AudioContext.
    await manual(page, guest.qr_token);
    await expect.poll(async () => (await panel(page).textContent()) ?? '').toContain('Already checked in');
    await manual(page, 'not-a-ticket');
    await expect.poll(async () => (await panel(page).textContent()) ?? '').toContain('Unknown ticket');
    expect(await page.evaluate(() => (window as unknown as { audioContexts: number }).audioContexts)).toBe(1);
  });

  it('is served with no external asset and a strict CSP', async () => {
    const page = await http<string>(`${app.url}/scan`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.body).toContain('<html lang="en">');
    expect(page.body.match(/(src|href)="https?:/g) ?? []).toEqual([]);
    const script = await http<string>(`${app.url}/scan/app.js`);
    expect(script.status).toBe(200);
    expect(script.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });
});
