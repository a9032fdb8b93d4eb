import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateTicketType } from '../../src/modules/ticket-types/ticket-types.service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type DashboardBrowser, expectAccessible, logIn, openBrowser, screenshot } from '../support/dashboard.ts';
import { createSeedShapedEvent, PASSWORD } from '../support/factories.ts';
import { postRegistration, registrationBody } from '../support/rest.ts';

/**
 * Who gets a seat and what they are asked, in a real Chromium against a real server: Waitlist & approvals (issue 29) —
 * a selection of requests approved at once, a waitlist entry moved up, a raised capacity seating the new first in
 * line — and a registration question made conditional in the form builder (issue 30).
 */
let app: TestApp;
let browser: DashboardBrowser;
beforeAll(async () => {
  app = await startTestApp();
  browser = await openBrowser(app.url);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('Waitlist & approvals', () => {
  it('approves a selection, moves someone up the line, and a capacity raised in Event Settings seats the new first', { timeout: 120_000 }, async () => {
    const seed = await createSeedShapedEvent(app.deps, { name: 'Waitlist Conf' });
    const types = await app.deps.prisma.ticketType.findMany({ where: { eventId: seed.event.id } });
    const general = types.find((t) => t.slug === 'general')!;
    const vip = types.find((t) => t.slug === 'vip')!;
    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: general.id, capacity: 1, waitlist: 'AUTO' } });
    await updateTicketType(app.deps, { actor: seed.owner.actor, input: { id: vip.id, requiresApproval: true } });
    const register = async (first: string, slug: string) =>
      (
        await postRegistration(app.url, seed.event.id, registrationBody({ first_name: first, last_name: 'Test', ticket_type_slug: slug }), {
          key: seed.liveKey,
        })
      ).body;
    expect((await register('Ann', 'general')).status).toBe('registered');
    const ben = await register('Ben', 'general');
    const cat = await register('Cat', 'general');
    expect([ben.status, cat.status]).toEqual(['waitlisted', 'waitlisted']);
    expect((await register('Dan', 'vip')).status).toBe('pending_approval');
    expect((await register('Eve', 'vip')).status).toBe('pending_approval');

    const page = await browser.newPage();
    await logIn(page, app.url, seed.owner.email, PASSWORD);
    await page.goto(`${app.url}/dashboard/events/${seed.event.id}`);
    await page.getByRole('navigation', { name: 'Event' }).getByRole('link', { name: 'Waitlist & approvals' }).click();
    await page.getByRole('heading', { name: 'Awaiting approval (2)' }).waitFor();
    await page.getByRole('heading', { name: 'General Admission: waitlist (2)' }).waitFor();
    await expectAccessible(page, 'Waitlist & approvals');
    await screenshot(page, 'waitlist');

    // Both requests at once.
    await page.getByRole('checkbox', { name: 'Select every request shown' }).check();
    await page.getByRole('button', { name: 'Approve selected (2)' }).click();
    await page.getByRole('status').getByText('2 approved.').waitFor();
    expect((await app.deps.prisma.attendee.findMany({ where: { ticketTypeId: vip.id } })).map((a) => a.status)).toEqual(['REGISTERED', 'REGISTERED']);
    await page.getByRole('heading', { name: 'Awaiting approval (0)' }).waitFor();

    // Cat moves ahead of Ben.
    await page.getByRole('button', { name: 'Move up: Cat Test' }).click();
    await page.getByRole('row', { name: /^1 Cat Test/ }).waitFor();
    const line = await app.deps.prisma.attendee.findMany({ where: { ticketTypeId: general.id, status: 'WAITLISTED' }, orderBy: { waitlistRank: 'asc' } });
    expect(line.map((a) => a.firstName)).toEqual(['Cat', 'Ben']);

    // One more seat of General in Event Settings: Cat, now first, is registered at once.
    await page.getByRole('navigation', { name: 'Event' }).getByRole('link', { name: 'Event Settings' }).click();
    await page.getByRole('button', { name: 'Edit ticket type General Admission' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByRole('textbox', { name: 'Capacity' })
      .or(dialog.getByRole('spinbutton', { name: 'Capacity' }))
      .fill('2');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const after = await app.deps.prisma.attendee.findMany({ where: { ticketTypeId: general.id }, orderBy: { registeredAt: 'asc' } });
    expect(after.map((a) => [a.firstName, a.status])).toEqual([
      ['Ann', 'REGISTERED'],
      ['Ben', 'WAITLISTED'],
      ['Cat', 'REGISTERED'],
    ]);
    expect(browser.errors).toEqual([]);
  });
});

describe('Event Settings → Registration questions', () => {
  it('a question asked only for one answer and one ticket type: set in the form builder, applied by the server', { timeout: 90_000 }, async () => {
    const seed = await createSeedShapedEvent(app.deps, { name: 'Questions Conf' });
    const page = await browser.newPage();
    await logIn(page, app.url, seed.owner.email, PASSWORD);
    await page.goto(`${app.url}/dashboard/events/${seed.event.id}/settings`);
    await page.getByRole('button', { name: 'Edit Job Title' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: 'Ask only when' }).selectOption({ label: 'Company' });
    await dialog.getByRole('textbox', { name: 'is one of' }).fill('Acme Corp');
    await dialog.getByRole('checkbox', { name: 'VIP' }).check();
    await expectAccessible(page, 'Edit a registration question');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Asked only when Company is Acme Corp, for VIP').waitFor();

    const register = (body: Record<string, unknown>) => postRegistration(app.url, seed.event.id, registrationBody(body), { key: seed.liveKey });
    expect((await register({ ticket_type_slug: 'vip', custom_data: { company: 'Acme Corp', job_title: 'CTO' } })).status).toBe(201);
    const refused = await register({ custom_data: { company: 'Acme Corp', job_title: 'CTO' } });
    expect(refused.body.errors).toEqual({ 'custom_data.job_title': ['The Job Title field must not be present.'] });
    expect(browser.errors).toEqual([]);
  });
});

describe('Access codes & quotas', () => {
  it('adds a quota, creates a code and a batch of codes, switches one off, and shows each code’s use', { timeout: 120_000 }, async () => {
    const seed = await createSeedShapedEvent(app.deps, { name: 'Codes Conf' });
    const page = await browser.newPage();
    await logIn(page, app.url, seed.owner.email, PASSWORD);
    await page.goto(`${app.url}/dashboard/events/${seed.event.id}`);
    await page.getByRole('navigation', { name: 'Event' }).getByRole('link', { name: 'Access codes & quotas' }).click();
    await page.getByRole('heading', { name: 'Access codes (0)' }).waitFor();

    // A quota of 2 seats shared by both types.
    const quotaForm = page.getByRole('form', { name: 'Add a quota' });
    await quotaForm.getByRole('textbox', { name: 'Name' }).fill('Hall');
    await quotaForm.getByRole('spinbutton', { name: 'Size' }).fill('2');
    await quotaForm.getByRole('checkbox', { name: 'General Admission' }).check();
    await quotaForm.getByRole('checkbox', { name: 'VIP' }).check();
    await quotaForm.getByRole('button', { name: 'Add quota' }).click();
    await page.getByRole('row', { name: /^Hall General Admission, VIP 2 0 2/ }).waitFor();
    const quota = await app.deps.prisma.quota.findFirstOrThrow({ where: { eventId: seed.event.id } });
    expect(quota).toMatchObject({ name: 'Hall', size: 2 });
    expect(quota.ticketTypeIds).toHaveLength(2);

    // One named code for VIP, three uses; then five random ones with a prefix.
    const codeForm = page.getByRole('form', { name: 'Create access codes' });
    await codeForm.getByRole('textbox', { name: 'Code (or prefix)' }).fill('PRESS');
    await codeForm.getByRole('spinbutton', { name: 'Max uses' }).fill('3');
    await codeForm.getByRole('checkbox', { name: 'VIP' }).check();
    await codeForm.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('status').getByText('Code PRESS created.').waitFor();
    await codeForm.getByRole('textbox', { name: 'Code (or prefix)' }).fill('BULK');
    await codeForm.getByRole('spinbutton', { name: 'How many' }).fill('5');
    await codeForm.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('status').getByText('5 codes created.').waitFor();
    await page.getByRole('heading', { name: 'Access codes (6)' }).waitFor();
    const bulk = await app.deps.prisma.accessCode.findMany({ where: { eventId: seed.event.id, code: { startsWith: 'BULK-' } } });
    expect(bulk).toHaveLength(5);
    // The form starts afresh after each creation: these were made for every type, not PRESS's VIP.
    for (const code of bulk) expect(code.ticketTypeIds).toEqual([]);

    // A registration with the code, then its use shown; a code switched off.
    const made = await postRegistration(app.url, seed.event.id, registrationBody({ ticket_type_slug: 'vip', access_code: 'press' }), { key: seed.liveKey });
    expect(made.body).toMatchObject({ status: 'registered', access_code: 'PRESS' });
    await page.reload();
    await page.getByRole('row', { name: /^PRESS VIP 1 of 3/ }).waitFor();
    await page.getByRole('row', { name: /^Hall General Admission, VIP 2 1 1/ }).waitFor();
    const enabled = page.getByRole('switch', { name: 'Code PRESS enabled' });
    expect(await enabled.isChecked()).toBe(true);
    await enabled.click();
    await expect
      .poll(async () => (await app.deps.prisma.accessCode.findFirstOrThrow({ where: { eventId: seed.event.id, code: 'PRESS' } })).enabled)
      .toBe(false);
    await expect.poll(() => enabled.isChecked()).toBe(false);
    await expectAccessible(page, 'Access codes & quotas');
    await screenshot(page, 'access-codes');
  });
});
