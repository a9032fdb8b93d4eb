import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createUser, PASSWORD, uniqueEmail } from '../support/factories.ts';
import { graphql, graphqlOk } from '../support/http.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const SIGN_UP = `mutation ($input: SignUpInput!) {
  signUp(input: $input) { token user { id email name } organisation { id name } }
}`;
const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { token user { email } organisation { id } } }`;
const VIEWER = `{ viewer { role user { email } organisation { id name } apiKey { id } } }`;

describe('signUp', () => {
  it('creates the user, an organisation they own and a working session', async () => {
    const email = uniqueEmail('Owner').toUpperCase();
    const data = await graphqlOk(app.url, SIGN_UP, {
      variables: { input: { email, password: PASSWORD, name: 'Ada Owner', organisationName: 'Acme Events' } },
    });
    expect(data.signUp.token).toMatch(/^egs_[A-Za-z0-9_-]{43}$/);
    expect(data.signUp.user).toMatchObject({ email: email.toLowerCase(), name: 'Ada Owner' });
    expect(data.signUp.user.id).toMatch(/^usr_[0-9a-z]{26}$/);
    expect(data.signUp.organisation).toMatchObject({ name: 'Acme Events' });
    expect(data.signUp.organisation.id).toMatch(/^org_[0-9a-z]{26}$/);

    const viewer = await graphqlOk(app.url, VIEWER, { token: data.signUp.token });
    expect(viewer.viewer).toEqual({
      role: 'OWNER',
      user: { email: email.toLowerCase() },
      organisation: data.signUp.organisation,
      apiKey: null,
    });

    // Passwords are argon2id hashes; session tokens are stored only as SHA-256.
    const user = await app.deps.prisma.user.findUniqueOrThrow({ where: { id: data.signUp.user.id } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.passwordHash).not.toContain(PASSWORD);
    const sessions = await app.deps.prisma.session.findMany({ where: { userId: user.id } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.tokenHash).toBe(sha256Hex(data.signUp.token));
  });

  it.each([
    [{ email: 'not-an-email' }, { email: ['The email field must be a valid email address.'] }],
    [{ password: 'short' }, { password: ['The password field must be at least 10 characters.'] }],
    [{ name: '   ' }, { name: ['The name field is required.'] }],
    [{ organisationName: 'x'.repeat(101) }, { organisationName: ['The organisation name field must not be greater than 100 characters.'] }],
  ])('refuses %j with BAD_USER_INPUT and writes nothing', async (override, errors) => {
    const before = await app.deps.prisma.user.count();
    const input = { email: uniqueEmail(), password: PASSWORD, name: 'N', organisationName: 'O', ...override };
    const result = await graphql(app.url, SIGN_UP, { variables: { input } });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors });
    expect(await app.deps.prisma.user.count()).toBe(before);
  });

  it('refuses an email that is taken, whatever its case, without a second organisation', async () => {
    const existing = await createUser(app.deps);
    const organisations = await app.deps.prisma.organisation.count();
    const result = await graphql(app.url, SIGN_UP, {
      variables: { input: { email: existing.email.toUpperCase(), password: PASSWORD, name: 'N', organisationName: 'O' } },
    });
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { email: ['The email has already been taken.'] } });
    expect(await app.deps.prisma.organisation.count()).toBe(organisations);
  });
});

describe('logIn', () => {
  it('returns a new session for the right password', async () => {
    const user = await createUser(app.deps);
    const data = await graphqlOk(app.url, LOG_IN, { variables: { input: { email: user.email, password: PASSWORD } } });
    expect(data.logIn.user.email).toBe(user.email);
    expect(data.logIn.organisation.id).toBe(user.organisationId);
    expect(data.logIn.token).not.toBe(user.token);
    const viewer = await graphqlOk(app.url, VIEWER, { token: data.logIn.token });
    expect(viewer.viewer.role).toBe('OWNER');
  });

  it.each([
    ['a wrong password', (email: string) => ({ email, password: 'wrong password!' })],
    ['an unknown email', () => ({ email: uniqueEmail('nobody'), password: PASSWORD })],
  ])('answers UNAUTHENTICATED with one message for %s', async (_case, input) => {
    const user = await createUser(app.deps);
    const result = await graphql(app.url, LOG_IN, { variables: { input: input(user.email) } });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]).toMatchObject({ message: 'Invalid email or password.', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('logOut ends the session', async () => {
    const user = await createUser(app.deps);
    expect(await graphqlOk(app.url, 'mutation { logOut }', { token: user.token })).toEqual({ logOut: true });
    const after = await graphql(app.url, VIEWER, { token: user.token });
    expect(after.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('authentication', () => {
  it('viewer is null without credentials', async () => {
    expect(await graphqlOk(app.url, VIEWER)).toEqual({ viewer: null });
  });

  it.each([
    ['no token', undefined, 'Authentication required: send Authorization: Bearer <session token or API key>.'],
    ['an unknown session token', 'egs_doesnotexist', 'The session token is invalid or has expired. Log in again.'],
    ['garbage', 'hello', 'The session token is invalid or has expired. Log in again.'],
    ['an unknown API key', 'eg_live_abcdefghijklmnopqrstuvwxyz012345', 'Invalid API key. Check the key, or create one under Settings → API Keys.'],
  ])('protected operations answer UNAUTHENTICATED for %s', async (_case, token, message) => {
    const result = await graphql(app.url, '{ events(first: 1) { edges { node { id } } } }', { token });
    expect(result.errors).toEqual([{ message, locations: [{ line: 1, column: 3 }], path: ['events'], extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('an expired session no longer authenticates', async () => {
    const user = await createUser(app.deps);
    await app.deps.prisma.session.update({ where: { id: user.sessionId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const result = await graphql(app.url, VIEWER, { token: user.token });
    expect(result.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('GraphQL errors use the closed code set', () => {
  it.each([
    ['an unknown field', '{ nope }', 'GRAPHQL_VALIDATION_FAILED'],
    ['a syntax error', '{ events(', 'GRAPHQL_PARSE_FAILED'],
  ])('%s is BAD_USER_INPUT', async (_case, query, reason) => {
    const result = await graphql(app.url, query);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
  });

  it('a variable of the wrong type is BAD_USER_INPUT', async () => {
    const result = await graphql(app.url, SIGN_UP, { variables: { input: { email: 42 } } });
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('a malformed DateTime is BAD_USER_INPUT', async () => {
    const user = await createUser(app.deps);
    const result = await graphql(
      app.url,
      'mutation { createEvent(input: { name: "E", startsAt: "tomorrow", endsAt: "2027-01-01T00:00:00Z", timezone: "UTC" }) { id } }',
      { token: user.token },
    );
    expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});
