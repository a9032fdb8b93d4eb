import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { addMember, createUser, PASSWORD, uniqueEmail } from '../support/factories.ts';
import { graphql, graphqlOk } from '../support/http.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const ADD = 'mutation ($input: AddMemberInput!) { addMember(input: $input) { role user { email name } } }';
const LOG_IN = 'mutation ($input: LogInInput!) { logIn(input: $input) { token organisation { id } } }';

describe('members', () => {
  it('an owner adds a new STAFF member, who can log in to the organisation', async () => {
    const owner = await createUser(app.deps);
    const email = uniqueEmail('staff');
    const data = await graphqlOk(app.url, ADD, { token: owner.token, variables: { input: { email, role: 'STAFF', name: 'Door Person', password: PASSWORD } } });
    expect(data.addMember).toEqual({ role: 'STAFF', user: { email, name: 'Door Person' } });
    const login = await graphqlOk(app.url, LOG_IN, { variables: { input: { email, password: PASSWORD } } });
    expect(login.logIn.organisation.id).toBe(owner.organisationId);
    const viewer = await graphqlOk(app.url, '{ viewer { role } }', { token: login.logIn.token });
    expect(viewer.viewer.role).toBe('STAFF');
  });

  it('adds an existing user to a second organisation; logIn picks it with organisationId', async () => {
    const owner = await createUser(app.deps);
    const someone = await createUser(app.deps);
    await graphqlOk(app.url, ADD, { token: owner.token, variables: { input: { email: someone.email, role: 'ADMIN' } } });
    const login = await graphqlOk(app.url, LOG_IN, {
      variables: { input: { email: someone.email, password: PASSWORD, organisationId: owner.organisationId } },
    });
    expect(login.logIn.organisation.id).toBe(owner.organisationId);
    const members = await graphqlOk(app.url, '{ members { role user { email } } }', { token: owner.token });
    expect(members.members).toEqual([
      { role: 'OWNER', user: { email: owner.email } },
      { role: 'ADMIN', user: { email: someone.email } },
    ]);
  });

  it('refuses: a duplicate member, a new user without a password, and admins adding admins', async () => {
    const owner = await createUser(app.deps);
    const admin = await addMember(app.deps, owner.organisationId, 'ADMIN');
    const dup = await graphql(app.url, ADD, { token: owner.token, variables: { input: { email: admin.email, role: 'STAFF' } } });
    expect(dup.errors?.[0]?.extensions.errors).toEqual({ email: ['This person is already a member of your organisation.'] });
    const noPassword = await graphql(app.url, ADD, { token: owner.token, variables: { input: { email: uniqueEmail(), role: 'STAFF' } } });
    expect(noPassword.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const adminAddsAdmin = await graphql(app.url, ADD, {
      token: admin.token,
      variables: { input: { email: uniqueEmail(), role: 'ADMIN', name: 'X', password: PASSWORD } },
    });
    expect(adminAddsAdmin.errors?.[0]).toMatchObject({ message: 'Only an owner can add owners and admins.', extensions: { code: 'FORBIDDEN' } });
    const adminAddsStaff = await graphqlOk(app.url, ADD, {
      token: admin.token,
      variables: { input: { email: uniqueEmail(), role: 'STAFF', name: 'X', password: PASSWORD } },
    });
    expect(adminAddsStaff.addMember.role).toBe('STAFF');
  });

  it('removing a member ends their sessions; the last owner stays', async () => {
    const owner = await createUser(app.deps);
    const staff = await addMember(app.deps, owner.organisationId, 'STAFF');
    const removed = await graphqlOk(app.url, 'mutation ($id: ID!) { removeMember(input: { userId: $id }) }', {
      token: owner.token,
      variables: { id: staff.userId },
    });
    expect(removed.removeMember).toBe(staff.userId);
    expect((await graphql(app.url, '{ viewer { role } }', { token: staff.token })).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    const last = await graphql(app.url, 'mutation ($id: ID!) { removeMember(input: { userId: $id }) }', {
      token: owner.token,
      variables: { id: owner.userId },
    });
    expect(last.errors?.[0]?.extensions.errors).toEqual({ userId: ['The last owner cannot be removed.'] });
  });
});
