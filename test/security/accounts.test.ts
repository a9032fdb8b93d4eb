import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestEvent, createUser, PASSWORD, uniqueEmail } from '../support/factories.ts';
import { graphql, graphqlOk } from '../support/http.ts';
import { SmtpSink } from '../support/smtp-sink.ts';
import { subscribeWs } from '../support/subscriptions.ts';

/**
 * Accounts belong to whoever controls the mailbox. The attack this suite replays: someone signs up with another
 * person's email before they do, then waits for a real organisation to let that address in.
 */
let app: TestApp;
let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await new SmtpSink().start();
  app = await startTestApp({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.stop();
});

const SIGN_UP = 'mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id emailVerifiedAt } organisation { id } } }';
const LOG_IN = 'mutation ($input: LogInInput!) { logIn(input: $input) { token organisation { id } } }';
const ACCEPT = 'mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token organisation { id } } }';
const VIEWER = '{ viewer { role organisation { id } } }';

async function attackerSignsUpAs(victimEmail: string) {
  const { signUp } = await graphqlOk(app.url, SIGN_UP, {
    variables: { input: { email: victimEmail, password: 'attacker chose this', name: 'Mallory', organisationName: 'Mallory Ltd' } },
  });
  return signUp as { token: string; user: { id: string; emailVerifiedAt: string | null }; organisation: { id: string } };
}

describe('account takeover through a pre-registered email', () => {
  it('invitation: the mailbox owner claims the unverified account; the squatter’s sessions and subscriptions end', async () => {
    const victim = uniqueEmail('victim');
    const attacker = await attackerSignsUpAs(victim);
    expect(attacker.user.emailVerifiedAt).toBeNull();
    const owner = await createUser(app.deps, { organisationName: 'Real Org' });
    const feed = await subscribeWs(app.url, 'subscription ($id: ID!) { eventStats(eventId: $id) { registered } }', {
      token: attacker.token,
      variables: {
        id: (
          await createTestEvent(app.deps, {
            kind: 'user',
            userId: attacker.user.id,
            organisationId: attacker.organisation.id,
            role: 'OWNER',
            sessionId: 'ses_unused',
          })
        ).id,
      },
    });
    expect((await feed.nth(1)).eventStats).toEqual({ registered: 0 });

    await graphqlOk(app.url, 'mutation ($e: String!) { inviteMember(input: { email: $e, role: ADMIN }) { id } }', {
      token: owner.token,
      variables: { e: victim },
    });
    // Nothing the squatter holds gets them into the real organisation: the token went to the mailbox.
    const squatterTries = await graphql(app.url, LOG_IN, {
      variables: { input: { email: victim, password: 'attacker chose this', organisationId: owner.organisationId } },
    });
    expect(squatterTries.errors?.[0]).toMatchObject({ message: 'You are not a member of that organisation.', extensions: { code: 'FORBIDDEN' } });

    const token = await smtp.token(victim, 'egi_');
    const started = Date.now();
    const { acceptInvitation } = await graphqlOk(app.url, ACCEPT, { variables: { input: { token, password: 'the real owner’s password' } } });
    expect(acceptInvitation.organisation.id).toBe(owner.organisationId);
    expect((await graphqlOk(app.url, VIEWER, { token: acceptInvitation.token })).viewer.role).toBe('ADMIN');

    // The squatter's session is over, its live subscription too (within a second), and its password is gone.
    expect((await graphql(app.url, VIEWER, { token: attacker.token })).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(await feed.firstError(1_000)).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect.poll(() => feed.completed(), { timeout: 1_000 }).toBe(true);
    const oldPassword = await graphql(app.url, LOG_IN, { variables: { input: { email: victim, password: 'attacker chose this' } } });
    expect(oldPassword.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    await feed.close();
  });

  it('password reset: the mailbox owner takes the account over; every session of the squatter ends', async () => {
    const victim = uniqueEmail('victim');
    const attacker = await attackerSignsUpAs(victim);
    expect(await graphqlOk(app.url, 'mutation ($e: String!) { requestPasswordReset(input: { email: $e }) }', { variables: { e: victim } })).toEqual({
      requestPasswordReset: true,
    });
    const token = await smtp.token(victim, 'egr_');
    const reset = await graphqlOk(app.url, 'mutation ($t: String!) { resetPassword(input: { token: $t, password: "mine, from my mailbox" }) { token } }', {
      variables: { t: token },
    });
    expect((await graphql(app.url, VIEWER, { token: attacker.token })).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect((await graphqlOk(app.url, VIEWER, { token: reset.resetPassword.token })).viewer.role).toBe('OWNER');
    expect((await app.deps.prisma.user.findUniqueOrThrow({ where: { email: victim } })).emailVerifiedAt).not.toBeNull();
    // One use only.
    const again = await graphql(app.url, 'mutation ($t: String!) { resetPassword(input: { token: $t, password: "another good one" }) { token } }', {
      variables: { t: token },
    });
    expect(again.errors?.[0]?.extensions.errors).toEqual({ token: ['The token is invalid, used or expired.'] });
  });
});

describe('tokens and passwords', () => {
  it('signUp emails an egv_ token; verifyEmail uses it once', async () => {
    const email = uniqueEmail('verify');
    const { signUp } = await graphqlOk(app.url, SIGN_UP, { variables: { input: { email, password: PASSWORD, name: 'V', organisationName: 'V' } } });
    const token = await smtp.token(email, 'egv_');
    expect(JSON.stringify(await app.deps.prisma.userToken.findMany({ where: { userId: signUp.user.id } }))).not.toContain(token);
    const verified = await graphqlOk(app.url, 'mutation ($t: String!) { verifyEmail(input: { token: $t }) { emailVerifiedAt } }', { variables: { t: token } });
    expect(verified.verifyEmail.emailVerifiedAt).toEqual(expect.any(String));
    const again = await graphql(app.url, 'mutation ($t: String!) { verifyEmail(input: { token: $t }) { id } }', { variables: { t: token } });
    expect(again.errors?.[0]?.extensions.errors).toEqual({ token: ['The token is invalid, used or expired.'] });
  });

  it('a reset token expires after an hour', async () => {
    const user = await createUser(app.deps);
    await graphqlOk(app.url, 'mutation ($e: String!) { requestPasswordReset(input: { email: $e }) }', { variables: { e: user.email } });
    const token = await smtp.token(user.email, 'egr_');
    await app.deps.prisma.userToken.updateMany({ where: { userId: user.userId, kind: 'reset_password' }, data: { expiresAt: new Date(Date.now() - 1) } });
    const expired = await graphql(app.url, 'mutation ($t: String!) { resetPassword(input: { token: $t, password: "a new strong one" }) { token } }', {
      variables: { t: token },
    });
    expect(expired.errors?.[0]?.extensions.errors).toEqual({ token: ['The token is invalid, used or expired.'] });
  });

  it('requestPasswordReset answers the same for an unknown email, and sends nothing', async () => {
    const nobody = uniqueEmail('nobody');
    expect(await graphqlOk(app.url, 'mutation ($e: String!) { requestPasswordReset(input: { email: $e }) }', { variables: { e: nobody } })).toEqual({
      requestPasswordReset: true,
    });
    expect(await app.deps.prisma.userToken.count({ where: { user: { email: nobody } } })).toBe(0);
    expect(await app.deps.pool.query("SELECT 1 FROM pgboss.job WHERE name = 'emails.account' AND data->>'to' = $1", [nobody]).then((r) => r.rowCount)).toBe(0);
  });

  it.each([
    ['one character repeated', 'aaaaaaaaaa', 'The password field must not be one character repeated.'],
    ['one of the most common passwords', 'password123', 'The password field is one of the most common passwords; choose another.'],
    ['a common one in other case', 'QwertyUiop', 'The password field is one of the most common passwords; choose another.'],
    ['too short', 'short', 'The password field must be at least 10 characters.'],
  ])('refuses a password that is %s', async (_case, password, message) => {
    const result = await graphql(app.url, SIGN_UP, { variables: { input: { email: uniqueEmail(), password, name: 'P', organisationName: 'P' } } });
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { password: [message] } });
  });

  it('changePassword needs the current one and ends every other session; sessions lists them and revokeSession ends one', async () => {
    const user = await createUser(app.deps);
    const second = await graphqlOk(app.url, LOG_IN, { variables: { input: { email: user.email, password: PASSWORD } } });
    const third = await graphqlOk(app.url, LOG_IN, { variables: { input: { email: user.email, password: PASSWORD } } });
    const { sessions } = await graphqlOk(app.url, '{ sessions { id current } }', { token: user.token });
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s: { current: boolean }) => s.current)).toEqual([{ id: user.sessionId, current: true }]);

    const revoke = await graphqlOk(app.url, 'mutation ($id: ID!) { revokeSession(input: { id: $id }) }', {
      token: user.token,
      variables: { id: sessions.find((s: { id: string }) => s.id !== user.sessionId).id },
    });
    expect(revoke.revokeSession).toBe(true);

    const wrong = await graphql(app.url, 'mutation { changePassword(input: { currentPassword: "wrong one", newPassword: "a fresh long one" }) }', {
      token: user.token,
    });
    expect(wrong.errors?.[0]?.extensions.errors).toEqual({ currentPassword: ['The current password is not correct.'] });
    await graphqlOk(app.url, `mutation { changePassword(input: { currentPassword: "${PASSWORD}", newPassword: "a fresh long one" }) }`, { token: user.token });
    for (const other of [second.logIn.token, third.logIn.token]) {
      expect((await graphql(app.url, VIEWER, { token: other })).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
    expect((await graphqlOk(app.url, VIEWER, { token: user.token })).viewer.role).toBe('OWNER');
    // Someone else's session is "not found", not revocable.
    const stranger = await createUser(app.deps);
    const foreign = await graphql(app.url, 'mutation ($id: ID!) { revokeSession(input: { id: $id }) }', {
      token: stranger.token,
      variables: { id: user.sessionId },
    });
    expect(foreign.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });
});
