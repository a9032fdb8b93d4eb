import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type DashboardBrowser, expectAccessible, field, logIn, mailboxLink, openBrowser, screenshot } from '../support/dashboard.ts';
import { createTestApiKey, createTestEvent, createUser, PASSWORD } from '../support/factories.ts';
import { graphqlOk } from '../support/http.ts';
import { postRegistration } from '../support/rest.ts';

/**
 * The account emails (the dev mailbox: no SMTP_URL) link to dashboard pages that finish the job in a browser; the
 * token leaves the address bar at once. Door staff see the check-in desk only, and the API's refusal when they
 * force an owner's page. Someone in two organisations switches between them.
 */
let app: TestApp;
let browser: DashboardBrowser;
let dataDir: string;

beforeAll(async () => {
  app = await startTestApp();
  dataDir = app.deps.config.dataDir;
  browser = await openBrowser(app.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('links in account emails open the dashboard', () => {
  it('verify email: sign up, open the emailed link, confirm', { timeout: 90_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/dashboard/signup`);
    await field(page, 'Your name').fill('Vera Verify');
    await field(page, 'Email').fill('vera@example.com');
    await field(page, 'Password').fill('vera-long-password-1');
    await field(page, 'Organisation name').fill('Vera Ltd');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Confirm your email address').waitFor();

    const link = await mailboxLink(dataDir, 'vera@example.com', `${app.url}/dashboard/verify-email?token=egv_`);
    await page.goto(link);
    // Read, then gone from the address bar (and so from history and any Referer).
    await expect.poll(() => page.url()).toBe(`${app.url}/dashboard/verify-email`);
    await expectAccessible(page, 'Verify email');
    await page.getByRole('button', { name: 'Confirm my email' }).click();
    await page.getByText('vera@example.com is confirmed. This account is yours.').waitFor();
    const user = await app.deps.prisma.user.findUniqueOrThrow({ where: { email: 'vera@example.com' } });
    expect(user.emailVerifiedAt).not.toBeNull();
    // Used once: the same link now says so.
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm my email' }).click();
    await page.getByRole('alert').getByText('The token is invalid, used or expired.').waitFor();
    expect(browser.errors).toEqual([]);
  });

  it('reset password: ask on the log-in page, open the link, choose a password, log in with it', { timeout: 90_000 }, async () => {
    const owner = await createUser(app.deps, { email: 'rita@example.com' });
    const page = await browser.newPage();
    await page.goto(`${app.url}/dashboard/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    // The screen, not the log-in page before it (which has an Email field too).
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await expectAccessible(page, 'Forgot password');
    await field(page, 'Email').fill('rita@example.com');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText('If an account uses that address, we sent it a link').waitFor();

    const link = await mailboxLink(dataDir, 'rita@example.com', `${app.url}/dashboard/reset-password?token=egr_`);
    await page.goto(link);
    await expect.poll(() => page.url()).toBe(`${app.url}/dashboard/reset-password`);
    await expectAccessible(page, 'Reset password');
    await field(page, 'Password').fill('short');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The password field must be at least 10 characters.').waitFor();
    await field(page, 'Password').fill('ritas-new-long-password');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/dashboard\/events$/);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/dashboard\/login$/);
    // Logged out means the session is gone on the server, not only in this browser.
    expect(await app.deps.prisma.session.count({ where: { userId: owner.userId } })).toBe(0);
    await logIn(page, app.url, 'rita@example.com', 'ritas-new-long-password');
    expect(browser.errors).toEqual([]);
  });

  it('invitation: the owner invites door staff in Settings → Members; they join from the email and see only the desk', { timeout: 120_000 }, async () => {
    const owner = await createUser(app.deps, { email: 'omar@example.com', organisationName: 'Door Co' });
    const event = await createTestEvent(app.deps, owner.actor, { name: 'Door Night' });
    const other = await createTestEvent(app.deps, owner.actor, { name: 'Second Night' });
    const ownerPage = await browser.newPage();
    await logIn(ownerPage, app.url, 'omar@example.com', PASSWORD);
    await ownerPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await ownerPage.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await field(ownerPage, 'Email').fill('sam@example.com');
    await ownerPage.getByRole('combobox', { name: 'Role' }).selectOption('STAFF');
    await ownerPage.getByRole('button', { name: 'Invite member' }).click();
    await ownerPage.getByText('Invitation sent to sam@example.com.').waitFor();
    await expectAccessible(ownerPage, 'Members');
    await screenshot(ownerPage, 'members');

    const link = await mailboxLink(dataDir, 'sam@example.com', `${app.url}/dashboard/invitations/accept?token=egi_`);
    const page = await browser.newPage();
    await page.goto(link);
    await expect.poll(() => page.url()).toBe(`${app.url}/dashboard/invitations/accept`);
    await expectAccessible(page, 'Accept invitation');
    await field(page, 'Your name').fill('Sam Door');
    await field(page, 'Password').fill('sams-long-password-1');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.waitForURL(/\/dashboard\/events$/);
    await page.getByRole('row', { name: /Door Night/ }).waitFor();

    // Staff: no Settings, no Overview or Attendees; each event leads to its desk.
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Events', 'Account']);
    expect(await page.getByRole('link', { name: 'Door Night' }).count()).toBe(0);
    await page
      .getByRole('row', { name: /Door Night/ })
      .getByRole('link', { name: 'Check-in desk' })
      .click();
    await page.waitForURL(new RegExp(`/events/${event.id}/check-in$`));
    await expect.poll(() => page.getByRole('navigation', { name: 'Event' }).getByRole('link').allTextContents()).toEqual(['Check-in desk']);
    const key = await createTestApiKey(app.deps, owner.actor);
    const attendee = (await postRegistration(app.url, event.id, { first_name: 'Dana', last_name: 'Guest', email: 'dana@example.com' }, { key: key.secret }))
      .body as { qr_token: string };
    await field(page, 'Search').fill(attendee.qr_token);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('desk-result').textContent()).toBe('Checked inDana Guest · General Admission');
    // Undo is for owners and admins.
    await field(page, 'Search').fill('dana');
    await page.getByText('dana@example.com · General Admission').waitFor();
    expect(await page.getByRole('button', { name: /Undo check-in/ }).count()).toBe(0);
    await expectAccessible(page, 'Check-in desk (staff)');

    // Forcing an owner's page: the API refuses, and the page says so.
    for (const path of [`/events/${other.id}/settings`, '/settings/api-keys', '/settings/members']) {
      await page.goto(`${app.url}/dashboard${path}`);
      const alert = page.getByRole('alert');
      await alert.getByText('You do not have access to this').waitFor();
      expect(await alert.textContent()).toBe('You do not have access to thisYour role (STAFF) does not allow this action.');
    }
    expect(browser.errors).toEqual([]);
    expect(browser.elsewhere).toEqual([]);
  });

  it('someone in two organisations switches between them in the header', { timeout: 90_000 }, async () => {
    const first = await createUser(app.deps, { email: 'nina@example.com', organisationName: 'Nina First' });
    await app.deps.prisma.user.update({ where: { id: first.userId }, data: { emailVerifiedAt: new Date() } });
    const second = await createUser(app.deps, { email: 'otto@example.com', organisationName: 'Otto Second' });
    await createTestEvent(app.deps, second.actor, { name: 'Otto’s Gala' });
    await graphqlOk(app.url, 'mutation { inviteMember(input: { email: "nina@example.com", role: ADMIN }) { id } }', { token: second.token });
    const link = await mailboxLink(dataDir, 'nina@example.com', `${app.url}/dashboard/invitations/accept?token=egi_`);
    const page = await browser.newPage();
    await logIn(page, app.url, 'nina@example.com', PASSWORD);
    // Already signed in as herself: the link joins her existing account with its own password.
    await page.goto(link);
    await field(page, 'Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.waitForURL(/\/dashboard\/events$/);
    await page.getByRole('link', { name: 'Otto’s Gala' }).waitFor();

    const switcher = page.getByRole('combobox', { name: 'Organisation' });
    expect(await switcher.locator('option').allTextContents()).toEqual(['Nina First (owner)', 'Otto Second (admin)']);
    await switcher.selectOption(first.organisationId);
    await page.waitForURL(/\/dashboard\/events$/);
    await page.getByText('No events yet: create your first one.').waitFor();
    expect(await page.getByRole('combobox', { name: 'Organisation' }).inputValue()).toBe(first.organisationId);
    // The session that switched ended: one browser, one current organisation.
    expect(await app.deps.prisma.session.count({ where: { userId: first.userId, organisationId: second.organisationId } })).toBe(0);
    await expectAccessible(page, 'Events');
    expect(browser.errors).toEqual([]);
  });
});
