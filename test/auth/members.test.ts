import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { addMember, createUser, PASSWORD, uniqueEmail } from '../support/factories.ts';
import { graphql, graphqlOk } from '../support/http.ts';
import { SmtpSink } from '../support/smtp-sink.ts';

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

const INVITE = 'mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { id email role expiresAt acceptedAt } }';
const ACCEPT =
  'mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token user { id email name emailVerifiedAt } organisation { id } } }';
const LOG_IN = 'mutation ($input: LogInInput!) { logIn(input: $input) { token organisation { id } } }';

describe('invitations', () => {
  it('an owner invites someone new: the emailed egi_ token creates a verified account in the organisation, once', async () => {
    const owner = await createUser(app.deps, { organisationName: 'Door Co' });
    const email = uniqueEmail('staff');
    const { inviteMember } = await graphqlOk(app.url, INVITE, { token: owner.token, variables: { input: { email, role: 'STAFF' } } });
    expect(inviteMember).toMatchObject({ email, role: 'STAFF', acceptedAt: null });
    expect(new Date(inviteMember.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000);
    const [mail] = await smtp.waitFor(email);
    expect(mail!.subject).toBe("You're invited to Door Co on EventoGate");
    const token = await smtp.token(email, 'egi_');
    // Stored only as a digest.
    expect(JSON.stringify(await app.deps.prisma.invitation.findMany())).not.toContain(token);

    const { acceptInvitation } = await graphqlOk(app.url, ACCEPT, { variables: { input: { token, name: 'Door Person', password: PASSWORD } } });
    expect(acceptInvitation.user).toMatchObject({ email, name: 'Door Person', emailVerifiedAt: expect.any(String) });
    expect(acceptInvitation.organisation.id).toBe(owner.organisationId);
    const viewer = await graphqlOk(app.url, '{ viewer { role } }', { token: acceptInvitation.token });
    expect(viewer.viewer.role).toBe('STAFF');

    const again = await graphql(app.url, ACCEPT, { variables: { input: { token, name: 'Someone', password: 'another good password' } } });
    expect(again.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', errors: { token: ['The invitation is invalid, used, revoked or expired.'] } });
    const invitations = await graphqlOk(app.url, '{ invitations { email acceptedAt } }', { token: owner.token });
    expect(invitations.invitations).toEqual([{ email, acceptedAt: expect.any(String) }]);
    // The audit log: the owner invited, the new member took the role (once).
    const { auditLog } = await graphqlOk(app.url, '{ auditLog(first: 10) { edges { node { action actorId subjectId } } } }', { token: owner.token });
    expect(auditLog.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { action: 'member.joined', actorId: acceptInvitation.user.id, subjectId: inviteMember.id },
      { action: 'member.invited', actorId: owner.userId, subjectId: inviteMember.id },
    ]);
  });

  it('someone with a verified account joins a second organisation with their own password; logIn picks it', async () => {
    const owner = await createUser(app.deps);
    const someone = await createUser(app.deps);
    await app.deps.prisma.user.update({ where: { id: someone.userId }, data: { emailVerifiedAt: new Date() } });
    await graphqlOk(app.url, INVITE, { token: owner.token, variables: { input: { email: someone.email, role: 'ADMIN' } } });
    const token = await smtp.token(someone.email, 'egi_');
    const wrong = await graphql(app.url, ACCEPT, { variables: { input: { token, password: 'not their password at all' } } });
    expect(wrong.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    // A refused attempt did not use the invitation up, nor touch the account.
    await graphqlOk(app.url, ACCEPT, { variables: { input: { token, password: PASSWORD } } });
    const login = await graphqlOk(app.url, LOG_IN, {
      variables: { input: { email: someone.email, password: PASSWORD, organisationId: owner.organisationId } },
    });
    expect(login.logIn.organisation.id).toBe(owner.organisationId);
    const members = await graphqlOk(app.url, '{ members { role user { email } } }', { token: owner.token });
    expect(members.members).toEqual([
      { role: 'OWNER', user: { email: owner.email } },
      { role: 'ADMIN', user: { email: someone.email } },
    ]);
    // Their first organisation is untouched, and their other session still works.
    expect((await graphqlOk(app.url, '{ viewer { role } }', { token: someone.token })).viewer.role).toBe('OWNER');
  });

  it('refuses a member twice, admins inviting admins, staff inviting anyone; a revoked invitation cannot be accepted', async () => {
    const owner = await createUser(app.deps);
    const admin = await addMember(app.deps, owner.organisationId, 'ADMIN');
    const staff = await addMember(app.deps, owner.organisationId, 'STAFF');
    const dup = await graphql(app.url, INVITE, { token: owner.token, variables: { input: { email: admin.email, role: 'STAFF' } } });
    expect(dup.errors?.[0]?.extensions.errors).toEqual({ email: ['This person is already a member of your organisation.'] });
    const adminInvitesAdmin = await graphql(app.url, INVITE, { token: admin.token, variables: { input: { email: uniqueEmail(), role: 'ADMIN' } } });
    expect(adminInvitesAdmin.errors?.[0]).toMatchObject({ message: 'Only an owner can invite owners and admins.', extensions: { code: 'FORBIDDEN' } });
    const staffInvites = await graphql(app.url, INVITE, { token: staff.token, variables: { input: { email: uniqueEmail(), role: 'STAFF' } } });
    expect(staffInvites.errors?.[0]?.extensions.code).toBe('FORBIDDEN');

    const email = uniqueEmail('revoked');
    const { inviteMember } = await graphqlOk(app.url, INVITE, { token: admin.token, variables: { input: { email, role: 'STAFF' } } });
    const token = await smtp.token(email, 'egi_');
    await graphqlOk(app.url, 'mutation ($id: ID!) { revokeInvitation(input: { id: $id }) { revokedAt } }', {
      token: owner.token,
      variables: { id: inviteMember.id },
    });
    const refused = await graphql(app.url, ACCEPT, { variables: { input: { token, name: 'Late', password: PASSWORD } } });
    expect(refused.errors?.[0]?.extensions.errors).toEqual({ token: ['The invitation is invalid, used, revoked or expired.'] });
    expect(await app.deps.prisma.user.count({ where: { email } })).toBe(0);
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
