import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type DashboardBrowser, expectAccessible, field, openBrowser, screenshot } from '../support/dashboard.ts';
import { graphqlOk } from '../support/http.ts';
import { verifyWebhook } from '../support/seed-verify.mjs';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * An organiser's first day, in a real Chromium against a real server, through the dashboard only (the REST call
 * and the webhook are the integrator's side): sign up, create an event with a ticket type and a question, take the
 * event ID from Event Settings into a REST registration with a key made in Settings → API Keys, find the attendee,
 * cancel them (the webhook arrives, signed), check people in at the desk while the overview counts live, export
 * the CSV, import five rows with one bad one.
 */
let app: TestApp;
let browser: DashboardBrowser;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  await receiver.start();
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  browser = await openBrowser(app.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await receiver.stop();
});

const OWNER = { name: 'Olivia Organiser', email: 'olivia@example.com', password: 'a-long-enough-password-1', organisation: 'Olivia Events' };

async function rest(path: string, init: { method?: string; key: string; body?: unknown }) {
  const response = await fetch(`${app.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.key}`, 'content-type': 'application/json' },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('an organiser’s whole journey in the dashboard', () => {
  it('signs up, sets up an event, takes registrations and runs the door', { timeout: 240_000 }, async () => {
    const page = await browser.newPage();

    // Sign up: / leads to log in, which links to creating an account.
    await page.goto(`${app.url}/`);
    await page.waitForURL(/\/dashboard\/login/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await field(page, 'Your name').fill(OWNER.name);
    await field(page, 'Email').fill(OWNER.email);
    await field(page, 'Password').fill(OWNER.password);
    await field(page, 'Organisation name').fill(OWNER.organisation);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/dashboard\/events$/);
    await page.getByText('No events yet: create your first one.').waitFor();
    // The session is an HttpOnly cookie: no script sees it, nothing is stored where scripts read.
    const stored = await page.evaluate(() => JSON.stringify({ cookie: document.cookie, local: { ...localStorage }, session: { ...sessionStorage } }));
    expect(stored).not.toMatch(/egs_/);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'eg_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/graphql' });

    // A new event, its dates typed in the event's time zone.
    await page.getByRole('button', { name: 'New event' }).click();
    await field(page, 'Event name').fill('Launch Night');
    await page.getByRole('combobox', { name: 'Time zone' }).selectOption('Europe/Berlin');
    await field(page, 'Starts').fill('2027-06-01 18:00');
    await field(page, 'Ends').fill('2027-06-01 17:00');
    await field(page, 'Venue').fill('Kulturbrauerei, Berlin');
    await page.getByRole('spinbutton', { name: 'Capacity' }).fill('100');
    await page.getByRole('button', { name: 'Create event' }).click();
    // The API's own validation message, next to its field.
    await expect.poll(() => page.getByText('The ends at field must be a date after or equal to starts at.').count()).toBe(1);
    await field(page, 'Ends').fill('2027-06-01 23:30');
    await page.getByRole('button', { name: 'Create event' }).click();
    await page.waitForURL(/\/dashboard\/events\/evt_\w+\/settings$/);
    const eventId = /events\/(evt_\w+)\/settings/.exec(page.url())![1]!;
    const event = await app.deps.prisma.event.findUniqueOrThrow({ where: { id: eventId } });
    expect([event.name, event.timezone, event.startsAt.toISOString(), event.endsAt.toISOString(), event.capacity]).toEqual([
      'Launch Night',
      'Europe/Berlin',
      '2027-06-01T16:00:00.000Z',
      '2027-06-01T21:30:00.000Z',
      100,
    ]);

    // Event Settings: the ID for integrators, a ticket type and a question.
    await expect.poll(() => page.getByTestId('event-id').textContent()).toBe(eventId);
    const ticketTypes = page.getByRole('region', { name: 'Ticket types' });
    await ticketTypes.getByRole('textbox', { name: 'Name', exact: true }).fill('VIP');
    await ticketTypes.getByRole('textbox', { name: 'Slug', exact: true }).fill('general');
    await ticketTypes.getByRole('spinbutton', { name: 'Capacity' }).fill('10');
    await ticketTypes.getByRole('button', { name: 'Add ticket type' }).click();
    await ticketTypes.getByText('The slug has already been taken.').waitFor();
    await ticketTypes.getByRole('textbox', { name: 'Slug', exact: true }).fill('vip');
    await ticketTypes.getByRole('button', { name: 'Add ticket type' }).click();
    await ticketTypes.getByRole('cell', { name: 'vip', exact: true }).waitFor();
    const questions = page.getByRole('region', { name: 'Registration questions' });
    await questions.getByRole('textbox', { name: 'Label', exact: true }).fill('Company');
    await expect.poll(() => questions.getByRole('textbox', { name: 'Key', exact: true }).inputValue()).toBe('company');
    await questions.getByRole('checkbox', { name: 'Required' }).check();
    await questions.getByRole('button', { name: 'Add field' }).click();
    await questions.getByRole('cell', { name: 'company', exact: true }).waitFor();
    expect(await app.deps.prisma.customField.findMany({ where: { eventId }, select: { key: true, label: true, required: true, type: true } })).toEqual([
      { key: 'company', label: 'Company', required: true, type: 'TEXT' },
    ]);
    await expectAccessible(page, 'Event Settings');
    await screenshot(page, 'event-settings');
    const copiedId = (await page.getByTestId('event-id').textContent())!;

    // Settings → API Keys: a live key, shown once.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API Keys' }).click();
    // The screen, not the one before it (Event Settings has a Name field too).
    await page.getByRole('heading', { name: 'API Keys', level: 1 }).waitFor();
    await field(page, 'Name').fill('Website');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secret = (await page.getByTestId('new-secret').textContent())!;
    expect(secret).toMatch(/^eg_live_/);

    // The integrator's side: a webhook endpoint (its screens are part two) and a REST registration with that key.
    const { logIn } = await graphqlOk(app.url, 'mutation ($i: LogInInput!) { logIn(input: $i) { token } }', {
      variables: { i: { email: OWNER.email, password: OWNER.password } },
    });
    const { createWebhookEndpoint } = await graphqlOk(app.url, 'mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret } }', {
      token: logIn.token,
      variables: { i: { url: `${receiver.url}/hooks`, eventId } },
    });
    const registered = await rest(`/v1/events/${copiedId}/registrations`, {
      method: 'POST',
      key: secret,
      body: { first_name: 'Sarah', last_name: 'Chen', email: 'sarah@example.com', ticket_type_slug: 'vip', custom_data: { company: 'Acme Corp' } },
    });
    expect(registered.status).toBe(201);
    const sarah = registered.body;
    const second = await rest(`/v1/events/${copiedId}/registrations`, {
      method: 'POST',
      key: secret,
      body: { first_name: 'Tom', last_name: 'Berg', email: 'tom@example.com', custom_data: { company: 'Bergwerk' } },
    });
    expect(second.status).toBe(201);

    // The attendee in the table, found by search, and their page.
    await page.goto(`${app.url}/dashboard/events/${eventId}/attendees`);
    await expect.poll(() => page.getByTestId('attendee-total').textContent()).toBe('2 attendees');
    await field(page, 'Search').fill('chen');
    await expect.poll(() => page.getByTestId('attendee-rows').getByRole('row').count()).toBe(1);
    await expectAccessible(page, 'Attendees');
    await screenshot(page, 'attendees');
    await page.getByRole('link', { name: 'Sarah Chen' }).click();
    await page.waitForURL(new RegExp(`/attendees/${sarah.id}$`));
    await page.getByRole('cell', { name: 'Acme Corp' }).waitFor();
    await expect.poll(() => page.getByRole('img', { name: /QR code/ }).evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);

    // Cancel: a confirmation naming the person; the webhook arrives, signed; the history says so.
    await page.getByRole('button', { name: 'Cancel registration' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel Sarah Chen’s registration?' });
    await dialog.getByRole('button', { name: 'Cancel registration' }).click();
    await page.getByTestId('attendee-history').getByText('Status changed from registered to cancelled').waitFor();
    expect((await app.deps.prisma.attendee.findUniqueOrThrow({ where: { id: sarah.id } })).status).toBe('CANCELLED');
    const [hook] = await receiver
      .waitFor((all) => all.some((r) => r.json.trigger === 'attendee.status_changed'))
      .then((all) => all.filter((r) => r.json.trigger === 'attendee.status_changed'));
    expect(verifyWebhook(hook!.body, String(hook!.headers['x-eventogate-signature']), createWebhookEndpoint.secret)).toBe(true);
    expect(hook!.json).toMatchObject({ trigger: 'attendee.status_changed', event_id: eventId, attendee_id: sarah.id, status: 'cancelled' });
    await expectAccessible(page, 'Attendee');
    await screenshot(page, 'attendee');

    // The overview, open in a second tab, counts live.
    const overview = await page.context().newPage();
    await overview.goto(`${app.url}/dashboard/events/${eventId}`);
    await overview.getByText('Live', { exact: true }).waitFor();
    await expect.poll(() => overview.getByTestId('stat-cancelled').textContent()).toBe('1');
    expect(await overview.getByTestId('stat-registered').textContent()).toBe('1');
    expect(await overview.getByTestId('stat-checked-in').textContent()).toBe('0');

    // The desk: the cancelled ticket is refused; after restoring, a search by name checks her in.
    await page.getByRole('link', { name: 'Check-in desk' }).click();
    await page.getByRole('heading', { name: 'Check-in desk', level: 1 }).waitFor();
    await field(page, 'Search').fill(sarah.qr_token);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('desk-result').textContent()).toMatch(/^Not checked in/);
    await page.goto(`${app.url}/dashboard/events/${eventId}/attendees/${sarah.id}`);
    await page.getByRole('button', { name: 'Restore registration' }).click();
    await page.getByTestId('attendee-history').getByText('Status changed from cancelled to registered').waitFor();
    await page.goto(`${app.url}/dashboard/events/${eventId}/check-in`);
    await field(page, 'Search').fill('sarah');
    await page.getByRole('button', { name: 'Check in Sarah Chen' }).click();
    await expect.poll(() => page.getByTestId('desk-result').textContent()).toBe('Checked inSarah Chen · VIP');
    const started = Date.now();
    await expect.poll(() => overview.getByTestId('stat-checked-in').textContent(), { interval: 25 }).toBe('1');
    const deskToOverviewMs = Date.now() - started;
    // A REST check-in (a door app of an integrator) reaches the overview within a second, without a reload.
    const restCheckIn = Date.now();
    expect((await rest(`/v1/events/${copiedId}/check-ins`, { method: 'POST', key: secret, body: { qr_token: second.body.qr_token } })).status).toBe(200);
    await expect.poll(() => overview.getByTestId('stat-checked-in').textContent(), { interval: 25, timeout: 1_000 }).toBe('2');
    console.info(`live: desk check-in → overview ${deskToOverviewMs} ms; REST check-in → overview ${Date.now() - restCheckIn} ms`);
    await overview.getByTestId('recent-check-ins').getByText('Tom Berg').waitFor();
    await page.getByTestId('desk-recent').getByText('Tom Berg').waitFor();
    await expectAccessible(page, 'Check-in desk');
    await screenshot(page, 'check-in-desk');
    await expectAccessible(overview, 'Overview');
    await screenshot(overview, 'overview');
    await overview.close();

    // Export CSV: a real download, parsed.
    await page.goto(`${app.url}/dashboard/events/${eventId}/attendees`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('launch-night-attendees.csv');
    const rows = parse(readFileSync((await download.path())!, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.email, r.company, r.status]).sort()).toEqual([
      ['sarah@example.com', 'Acme Corp', 'checked_in'],
      ['tom@example.com', 'Bergwerk', 'checked_in'],
    ]);

    // Import five rows, one of them bad: progress live, the bad row reported, four created.
    await page.getByRole('link', { name: 'Import CSV' }).click();
    await page.waitForURL(/\/import$/);
    const csv = [
      'first_name,last_name,email,phone,country,ticket_type_slug,company',
      'Ana,Lopez,ana@example.com,,ES,general,Uno',
      'Ben,Okafor,ben@example.com,,NG,vip,Dos',
      'Chloe,Martin,not-an-email,,FR,general,Tres',
      'Dev,Patel,dev@example.com,,IN,general,Cuatro',
      'Eva,Novak,eva@example.com,,CZ,general,Cinco',
    ].join('\n');
    await page.locator('input[type=file]').setInputFiles({ name: 'guests.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await expect.poll(() => page.getByTestId('import-status').textContent(), { timeout: 20_000 }).toBe('completed');
    expect(await page.getByTestId('import-counts').textContent()).toBe('5 of 5 rows processed · 4 created · 1 skipped');
    expect(await page.getByTestId('import-errors').getByRole('row').allTextContents()).toEqual(['4emailThe email field must be a valid email address.']);
    expect(await app.deps.prisma.attendee.count({ where: { eventId, source: 'IMPORT' } })).toBe(4);
    await expectAccessible(page, 'Import');
    await screenshot(page, 'import');

    await page.goto(`${app.url}/dashboard/events`);
    await page.getByRole('link', { name: 'Launch Night' }).waitFor();
    await screenshot(page, 'events');

    expect(browser.errors).toEqual([]);
    expect(browser.elsewhere).toEqual([]);
  });
});
