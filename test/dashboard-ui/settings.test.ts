import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type DashboardBrowser, expectAccessible, field, logIn, openBrowser, screenshot } from '../support/dashboard.ts';
import { createSeedShapedEvent, PASSWORD } from '../support/factories.ts';
import { decodeQrPng } from '../support/qr.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * The dashboard, part two (Settings and the door), in a real Chromium against a real server: API keys that work and
 * stop working, webhook endpoints whose deliveries arrive signed with the secret shown once and whose every
 * attempt is on screen, door devices paired from the QR code, a data-subject request, signing keys, the audit log.
 */
let app: TestApp;
let browser: DashboardBrowser;
let receiver: WebhookReceiver;
let seed: Awaited<ReturnType<typeof createSeedShapedEvent>>;

beforeAll(async () => {
  // Retries within a second, so a failing receiver's three attempts are on screen in the test's time.
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_DELAYS_MS: '200,200' });
  receiver = await new WebhookReceiver().start();
  seed = await createSeedShapedEvent(app.deps, { name: 'Settings Conf' });
  browser = await openBrowser(app.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.stop();
  await app?.stop();
});

async function ownerPage() {
  const page = await browser.newPage();
  await logIn(page, app.url, seed.owner.email, PASSWORD);
  return page;
}

describe('Settings → API Keys', () => {
  it('a key made in the browser registers through REST; revoked in the browser, the next call is 401', { timeout: 90_000 }, async () => {
    const page = await ownerPage();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API Keys' }).click();
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
    await field(page, 'Name').fill('Website form');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secret = (await page.getByTestId('new-secret').textContent())!;
    expect(secret).toMatch(/^eg_live_/);
    await page.getByText('This is the only time it is shown').waitFor();
    const ok = await postRegistration(app.url, seed.event.id, registrationBody({ email: 'key-user@example.com' }), { key: secret });
    expect(ok.status).toBe(201);
    // Uses are written in batches every 10 s: write this process's now rather than wait.
    await app.deps.apiKeyUsage.flush();
    await page.reload();
    await page.getByRole('cell', { name: 'Website form', exact: true }).waitFor();
    // Used just now: "last used" is no longer "never".
    const row = page.getByRole('row', { name: /Website form/ });
    expect(await row.textContent()).not.toContain('never');

    await row.getByRole('button', { name: 'Revoke Website form' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await row.getByText(/^revoked /).waitFor();
    const refused = await postRegistration(app.url, seed.event.id, registrationBody({ email: 'key-user-2@example.com' }), { key: secret });
    expect(refused.status).toBe(401);
    expect(await app.deps.prisma.attendee.count({ where: { email: 'key-user-2@example.com' } })).toBe(0);
    expect(browser.errors).toEqual([]);
  });
});

describe('Settings → Webhooks', () => {
  it('an endpoint for one event with two Selected Fields gets only those, signed with the secret shown once', { timeout: 120_000 }, async () => {
    const page = await ownerPage();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await expectAccessible(page, 'Webhooks');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await field(page, 'URL').fill(`${receiver.url}/selected`);
    await page.getByRole('combobox', { name: 'Events' }).selectOption({ label: 'Settings Conf' });
    await page.getByRole('checkbox', { name: 'email' }).check();
    await page.getByRole('checkbox', { name: 'first_name' }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.getByTestId('new-secret').textContent())!;
    expect(secret).toMatch(/^whsec_/);
    await screenshot(page, 'webhooks');
    const endpoint = await app.deps.prisma.webhookEndpoint.findFirstOrThrow({ where: { url: `${receiver.url}/selected` } });
    expect({ eventId: endpoint.eventId, selectedFields: endpoint.selectedFields }).toEqual({
      eventId: seed.event.id,
      selectedFields: ['first_name', 'email'],
    });

    await postRegistration(app.url, seed.event.id, registrationBody({ first_name: 'Selma', email: 'selma@example.com' }), { key: seed.liveKey });
    const [hook] = await receiver.waitFor((all) => all.some((r) => r.path === '/selected'));
    const got = receiver.on('/selected')[0] ?? hook!;
    expect(got.json).toEqual({ trigger: 'attendee.registered', first_name: 'Selma', email: 'selma@example.com' });
    const expected = `sha256=${createHmac('sha256', secret).update(got.body).digest('hex')}`;
    expect(got.headers['x-eventogate-signature']).toBe(expected);

    // The endpoint's page shows the delivery, its attempt and the payload as sent.
    await page.getByRole('link', { name: `Open ${receiver.url}/selected` }).click();
    await page.getByRole('heading', { name: `${receiver.url}/selected`, level: 1 }).waitFor();
    await page
      .getByTestId('delivery')
      .first()
      .getByRole('button', { name: /^Show whd_/ })
      .click();
    await expect.poll(() => page.getByTestId('attempt-status').first().textContent()).toBe('200');
    expect(await page.getByTestId('payload').textContent()).toContain('"first_name": "Selma"');
    await expectAccessible(page, 'Webhook endpoint');
    expect(browser.errors).toEqual([]);
    expect(browser.elsewhere).toEqual([]);
  });

  it('a failing receiver: every attempt with its status code; Redeliver after it recovers; Replay failed since', { timeout: 120_000 }, async () => {
    let healthy = false;
    receiver.respond = ({ path }) => (path === '/flaky' && !healthy ? { status: 503, body: 'down for maintenance' } : { status: 200, body: 'ok' });
    const page = await ownerPage();
    await page.goto(`${app.url}/dashboard/settings/webhooks`);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await field(page, 'URL').fill(`${receiver.url}/flaky`);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByTestId('new-secret').waitFor();
    const endpoint = await app.deps.prisma.webhookEndpoint.findFirstOrThrow({ where: { url: `${receiver.url}/flaky` } });

    const first = (await postRegistration(app.url, seed.event.id, registrationBody({ email: 'flaky1@example.com' }), { key: seed.liveKey })).body as {
      id: string;
    };
    const second = (await postRegistration(app.url, seed.event.id, registrationBody({ email: 'flaky2@example.com' }), { key: seed.liveKey })).body as {
      id: string;
    };
    // One try and two retries each, then FAILED.
    await expect.poll(() => app.deps.prisma.webhookDelivery.count({ where: { endpointId: endpoint.id, status: 'FAILED' } }), { timeout: 20_000 }).toBe(2);

    await page.goto(`${app.url}/dashboard/settings/webhooks/${endpoint.id}`);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('FAILED');
    await expect.poll(() => page.getByTestId('delivery').count()).toBe(2);
    const firstDelivery = await app.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id, attendeeId: first.id } });
    await page.getByRole('button', { name: `Show ${firstDelivery.id}` }).click();
    const detail = page.getByTestId('delivery-detail');
    expect(await detail.getByTestId('attempt-status').allTextContents()).toEqual(['503', '503', '503']);
    await detail.getByText('down for maintenance').first().waitFor();
    await expectAccessible(page, 'Webhook endpoint (failures)');
    await screenshot(page, 'webhook-endpoint');

    healthy = true;
    await detail.getByRole('button', { name: 'Redeliver' }).click();
    // It succeeded, so it left the "Failed" list; with every status shown it is there, its new attempt a 200.
    await expect
      .poll(() => app.deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: firstDelivery.id } }).then((d) => d.status), { timeout: 15_000 })
      .toBe('SUCCEEDED');
    await page.getByRole('combobox', { name: 'Status' }).selectOption('');
    await expect.poll(() => detail.getByTestId('attempt-status').allTextContents(), { timeout: 15_000 }).toEqual(['503', '503', '503', '200']);

    // The other one: a window replayed from the page (since an hour ago, typed on this browser's clock).
    const before = receiver.on('/flaky').filter((r) => (r.json as { attendee_id?: string }).attendee_id === second.id).length;
    await page.getByRole('button', { name: 'Replay failed since…' }).click();
    await expect.poll(() => page.getByTestId('replayed').textContent()).toBe('1 delivery will be sent again.');
    await receiver.waitFor((all) => all.filter((r) => r.path === '/flaky' && (r.json as { attendee_id?: string }).attendee_id === second.id).length > before);
    await expect.poll(() => app.deps.prisma.webhookDelivery.count({ where: { endpointId: endpoint.id, status: 'FAILED' } }), { timeout: 15_000 }).toBe(0);
    expect(browser.errors).toEqual([]);
    expect(browser.elsewhere).toEqual([]);
  });
});

describe('the door', () => {
  it('a zone and a device; the pairing QR decodes to the pairing link, which pairs /scan in a second browser', { timeout: 120_000 }, async () => {
    const page = await ownerPage();
    await page.goto(`${app.url}/dashboard/events/${seed.event.id}`);
    await page.getByRole('navigation', { name: 'Event' }).getByRole('link', { name: 'Door' }).click();
    await page
      .getByRole('heading', { name: 'Door', level: 1 })
      .waitFor({ timeout: 10_000 })
      .catch(async () => {
        throw new Error(`no Door heading: ${await page.locator('body').innerText()}`);
      });
    const zoneForm = page.getByRole('form', { name: 'New zone' });
    await zoneForm.getByRole('textbox', { name: 'Name', exact: true }).fill('Main hall');
    await zoneForm.getByRole('spinbutton', { name: 'Capacity' }).fill('200');
    await zoneForm.getByRole('button', { name: 'Add zone' }).click();
    await page.getByTestId('zone').getByText('Main hall').waitFor();
    expect(await page.getByTestId('zone').textContent()).toBe('Main hall0 / 200inside now');

    const deviceForm = page.getByRole('form', { name: 'New device' });
    await deviceForm.getByRole('textbox', { name: 'Name', exact: true }).fill('Door 1 phone');
    await deviceForm.getByRole('combobox', { name: 'Zone' }).selectOption({ label: 'Main hall' });
    await deviceForm.getByRole('button', { name: 'Add device' }).click();
    const qr = page.getByTestId('pairing-qr');
    await qr.waitFor();
    const pairingUrl = (await page.getByTestId('pairing-url').textContent())!;
    expect(pairingUrl).toMatch(new RegExp(`^${app.url}/scan#`));
    // What the screen shows decodes to the link: a phone pointed at it opens exactly that.
    expect(decodeQrPng(await qr.screenshot())).toBe(pairingUrl);
    await expectAccessible(page, 'Door');
    await screenshot(page, 'door');

    const phone = await browser.newPage();
    await phone.goto(pairingUrl);
    await expect.poll(() => phone.textContent('[data-testid="sync-status"]'), { timeout: 20_000 }).toMatch(/^synced/);
    const device = await app.deps.prisma.scannerDevice.findFirstOrThrow({ where: { name: 'Door 1 phone' } });
    expect(device.lastSeenAt).not.toBeNull();
    await page.reload();
    const row = page.getByTestId('device').filter({ hasText: 'Door 1 phone' });
    await row.waitFor();
    expect(await row.textContent()).not.toContain('never');

    // A scan through the door shows in the log and moves the zone's live count.
    const guest = (await postRegistration(app.url, seed.event.id, registrationBody({ first_name: 'Zoe', email: 'zoe@example.com' }), { key: seed.liveKey }))
      .body as { qr_token: string };
    const { graphqlOk } = await import('../support/http.ts');
    const zone = await app.deps.prisma.zone.findFirstOrThrow({ where: { name: 'Main hall' } });
    await graphqlOk(app.url, 'mutation ($i: CheckInInput!) { checkIn(input: $i) { alreadyCheckedIn } }', {
      token: seed.owner.token,
      variables: { i: { eventId: seed.event.id, qrToken: guest.qr_token, zoneId: zone.id } },
    });
    await expect.poll(() => page.getByTestId('zone').textContent(), { timeout: 10_000 }).toBe('Main hall1 / 200inside now');
    await page.reload();
    await page
      .getByTestId('scan')
      .filter({ hasText: 'Zoe' })
      .waitFor({ timeout: 10_000 })
      .catch(async () => {
        throw new Error(`no scan of Zoe: ${await page.locator('body').innerText()}`);
      });
    expect(browser.errors).toEqual([]);
    expect(browser.elsewhere).toEqual([]);
  });
});

describe('Settings → Privacy, Organisation and Audit log', () => {
  it('finds a person across events, exports their data and erases it; the attendee page then reads “Erased”', { timeout: 90_000 }, async () => {
    const person = (await postRegistration(app.url, seed.event.id, registrationBody({ first_name: 'Pia', email: 'pia@example.com' }), { key: seed.liveKey }))
      .body as { id: string };
    const page = await ownerPage();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Privacy' }).click();
    await page.getByRole('heading', { name: 'Privacy', level: 1 }).waitFor();
    await field(page, 'Email').fill('PIA@example.com');
    await page.getByRole('button', { name: 'Find' }).click();
    await page
      .getByTestId('person')
      .getByRole('status')
      .getByText(/^1 registration/)
      .waitFor();
    await expectAccessible(page, 'Privacy');
    await screenshot(page, 'privacy');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export personal data' }).click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { email: string; attendees: Array<{ id: string }> };
    expect({ email: exported.email, ids: exported.attendees.map((a) => a.id) }).toEqual({ email: 'pia@example.com', ids: [person.id] });

    await page.getByRole('button', { name: 'Erase personal data' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/^1 registration will be erased/).waitFor();
    await dialog.getByRole('button', { name: 'Erase personal data' }).click();
    await page.getByText('1 registration erased everywhere.').waitFor();
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: person.id } })).erasedAt).not.toBeNull();
    await page.goto(`${app.url}/dashboard/events/${seed.event.id}/attendees/${person.id}`);
    await page.getByRole('heading', { name: 'Erased', level: 1 }).waitFor();
    expect(browser.errors).toEqual([]);
  });

  it('rotates the ticket signing key and retires the old one; the audit log lists what was done, filtered by action', { timeout: 90_000 }, async () => {
    const page = await ownerPage();
    await page.goto(`${app.url}/dashboard/settings/organisation`);
    await page.getByRole('heading', { name: 'Ticket signing keys' }).waitFor();
    // Rotate twice: whatever there was, the newest signs and the one before it only verifies.
    const before = await page.getByTestId('signing-key').count();
    for (const n of [1, 2]) {
      await page.getByRole('button', { name: 'Rotate key' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Rotate key' }).click();
      await expect.poll(() => page.getByTestId('signing-key').count()).toBe(before + n);
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
    }
    await page.getByTestId('signing-key').first().getByText('signs new tickets').waitFor();
    const old = page.getByTestId('signing-key').nth(1);
    await old.getByText(/^verifies only/).waitFor();
    const oldId = (await old.locator('code').textContent())!;
    await old.getByRole('button', { name: `Retire ${oldId}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Retire' }).click();
    await page
      .getByTestId('signing-key')
      .nth(1)
      .getByText(/^retired /)
      .waitFor();
    expect((await app.deps.prisma.ticketSigningKey.findUniqueOrThrow({ where: { id: oldId } })).retiredAt).not.toBeNull();
    await expectAccessible(page, 'Organisation');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByTestId('audit-entry').first().waitFor();
    await page.getByRole('combobox', { name: 'Action' }).selectOption('api_key.revoked');
    await expect.poll(async () => (await page.getByTestId('audit-entry').allTextContents()).every((t) => t.includes('api_key.revoked'))).toBe(true);
    expect(await page.getByTestId('audit-entry').count()).toBeGreaterThanOrEqual(1);
    await expectAccessible(page, 'Audit log');
    await screenshot(page, 'audit-log');
    expect(browser.errors).toEqual([]);
    expect(browser.elsewhere).toEqual([]);
  });
});
