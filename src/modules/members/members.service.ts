import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { forbidden, invalidField, notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditWith } from '../audit/audit.service.ts';
import { type Actor, authorize } from '../auth/actor.ts';
import { credentialWatch } from '../auth/credential-watch.ts';

export async function listMembers(deps: Deps, options: { actor: Actor }) {
  const actor = authorize(options.actor, 'members:manage');
  return await deps.prisma.membership.findMany({ where: { organisationId: actor.organisationId }, include: { user: true }, orderBy: { createdAt: 'asc' } });
}

/** Removes a member (their sessions for this organisation stop working); the last owner cannot be removed. */
export async function removeMember(deps: Deps, options: { actor: Actor; input: unknown }): Promise<string> {
  const actor = authorize(options.actor, 'members:manage');
  const input = parseInput(z.strictObject({ userId: z.string().trim().min(1).max(64) }), options.input);
  const userId = parseId('user', input.userId);
  const member = userId
    ? await deps.prisma.membership.findUnique({ where: { userId_organisationId: { userId, organisationId: actor.organisationId } } })
    : null;
  if (!member) throw notFound('Member');
  if (member.role !== 'STAFF' && !(actor.kind === 'user' && actor.role === 'OWNER')) throw forbidden('Only an owner can remove owners and admins.');
  if (member.role === 'OWNER' && (await deps.prisma.membership.count({ where: { organisationId: actor.organisationId, role: 'OWNER' } })) === 1) {
    throw invalidField('userId', 'The last owner cannot be removed.');
  }
  await deps.prisma.$transaction(async (tx) => {
    await tx.membership.delete({ where: { id: member.id } });
    await tx.session.deleteMany({ where: { userId: member.userId, organisationId: actor.organisationId } });
    await auditWith(tx, actor, 'member.removed', [member.userId]);
  });
  await credentialWatch(deps).revoke({ kind: 'member', userId: member.userId, organisationId: actor.organisationId });
  return member.userId;
}
