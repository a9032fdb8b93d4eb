import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { Invitation } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { forbidden, invalidField, notFound, unauthenticated } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditWith } from '../audit/index.ts';
import {
  type AuthResult,
  createSession,
  EmailSchema,
  hashPassword,
  newOneTimeToken,
  PasswordSchema,
  presentedTokenHash,
  sendAccountEmail,
  takeLimit,
  verifyPassword,
} from '../auth/index.ts';

/**
 * The only way into an organisation one did not create: an invitation emailed to the person's address as an egi_
 * token (7 days, one use). Whoever holds the token controls that mailbox, so accepting it
 * - creates the account if there is none (verified: the mailbox is proven);
 * - claims an account that was never verified (someone may have signed up with this address): the token holder
 *   sets the password and every earlier session of that account ends;
 * - for a verified account, needs that account's password, then adds the membership.
 */
const InviteMemberInput = z.strictObject({ email: EmailSchema, role: z.enum(['OWNER', 'ADMIN', 'STAFF']) });
const AcceptInvitationInput = z.strictObject({
  token: z.string().trim().min(1).max(200),
  name: z.string().trim().min(1).max(100).nullish(),
  password: z.string().min(1).max(256),
});

export async function inviteMember(deps: Deps, options: { actor: Actor; input: unknown; clientIp: string }): Promise<Invitation> {
  const actor = authorize(options.actor, 'members:manage');
  const input = parseInput(InviteMemberInput, options.input);
  if (input.role !== 'STAFF' && !(actor.kind === 'user' && actor.role === 'OWNER')) throw forbidden('Only an owner can invite owners and admins.');
  await takeLimit(deps, (l) => l.invitationsByIp, options.clientIp, 'invitations from this address');
  await takeLimit(deps, (l) => l.invitationsByOrganisation, actor.organisationId, 'invitations for this organisation today');
  const member = await deps.prisma.membership.findFirst({ where: { organisationId: actor.organisationId, user: { email: input.email } } });
  if (member) throw invalidField('email', 'This person is already a member of your organisation.');
  const organisation = await deps.prisma.organisation.findUniqueOrThrow({ where: { id: actor.organisationId } });
  const { token, tokenHash, expiresAt } = newOneTimeToken('invitation', deps.clock.nowMs());
  return await deps.db.transaction(async (tx) => {
    const invitation = await tx.invitation.create({
      data: {
        id: newId('invitation'),
        organisationId: actor.organisationId,
        email: input.email,
        role: input.role,
        tokenHash,
        expiresAt,
        invitedById: actor.kind === 'user' ? actor.userId : null,
      },
    });
    await sendAccountEmail(deps, tx, { to: input.email, kind: 'invitation', token, organisationName: organisation.name, role: input.role });
    await auditWith(tx, actor, 'member.invited', [invitation.id]);
    return invitation;
  });
}

export async function listInvitations(deps: Deps, options: { actor: Actor }): Promise<Invitation[]> {
  const actor = authorize(options.actor, 'members:manage');
  return await deps.prisma.invitation.findMany({ where: { organisationId: actor.organisationId }, orderBy: { createdAt: 'desc' }, take: 200 });
}

export async function revokeInvitation(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Invitation> {
  const actor = authorize(options.actor, 'members:manage');
  const input = parseInput(z.strictObject({ id: z.string().trim().min(1).max(64) }), options.input);
  const id = parseId('invitation', input.id);
  const invitation = id ? await deps.prisma.invitation.findFirst({ where: { id, organisationId: actor.organisationId } }) : null;
  if (!invitation) throw notFound('Invitation');
  if (invitation.acceptedAt) throw invalidField('id', 'The invitation has been accepted already.');
  return await deps.prisma.invitation.update({ where: { id: invitation.id }, data: { revokedAt: invitation.revokedAt ?? deps.clock.now() } });
}

export async function acceptInvitation(deps: Deps, options: { input: unknown }): Promise<AuthResult> {
  const input = parseInput(AcceptInvitationInput, options.input);
  const tokenHash = presentedTokenHash('invitation', input.token);
  const invalid = () => invalidField('token', 'The invitation is invalid, used, revoked or expired.');
  if (!tokenHash) throw invalid();
  const pending = await deps.prisma.invitation.findUnique({ where: { tokenHash } });
  if (!pending || pending.acceptedAt || pending.revokedAt || pending.expiresAt <= deps.clock.now()) throw invalid();
  const existing = await deps.prisma.user.findUnique({ where: { email: pending.email } });
  if (existing?.emailVerifiedAt) {
    if (!(await verifyPassword(existing.passwordHash, input.password))) throw unauthenticated('Invalid password for this account.');
  } else {
    parseInput(z.object({ password: PasswordSchema }), { password: input.password });
    if (!existing && !input.name) throw invalidField('name', 'The name field is required.');
  }
  const passwordHash = existing?.emailVerifiedAt ? null : await hashPassword(input.password);

  const result = await deps.prisma.$transaction(async (tx) => {
    // One use, even under concurrent accepts: only one UPDATE finds it still pending.
    const claimed = await tx.invitation.updateMany({
      where: { id: pending.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: deps.clock.now() } },
      data: { acceptedAt: deps.clock.now() },
    });
    if (claimed.count === 0) throw invalid();
    let userId: string;
    let claimedAccount = false;
    if (!existing) {
      userId = newId('user');
      await tx.user.create({ data: { id: userId, email: pending.email, name: input.name!, passwordHash: passwordHash!, emailVerifiedAt: deps.clock.now() } });
    } else {
      userId = existing.id;
      if (!existing.emailVerifiedAt) {
        claimedAccount = true;
        await tx.user.update({
          where: { id: userId },
          data: { passwordHash: passwordHash!, emailVerifiedAt: deps.clock.now(), ...(input.name ? { name: input.name } : {}) },
        });
        await tx.session.deleteMany({ where: { userId } });
      }
    }
    await tx.membership.upsert({
      where: { userId_organisationId: { userId, organisationId: pending.organisationId } },
      create: { id: newId('membership'), userId, organisationId: pending.organisationId, role: pending.role },
      update: {},
    });
    const session = await createSession(deps, tx, userId, pending.organisationId);
    // The role the invitation granted, taken by its holder.
    await auditWith(tx, { kind: 'user', userId, organisationId: pending.organisationId }, 'member.joined', [pending.id]);
    return { ...session, userId, organisationId: pending.organisationId, claimedAccount };
  });
  if (result.claimedAccount) await deps.credentialWatch.revoke({ kind: 'user', userId: result.userId, exceptSessionId: result.sessionId });
  return { token: result.token, sessionId: result.sessionId, expiresAt: result.expiresAt, userId: result.userId, organisationId: result.organisationId };
}
