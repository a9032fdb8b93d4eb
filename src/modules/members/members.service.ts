import { z } from 'zod';
import { prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Role } from '../../generated/prisma/enums.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { forbidden, invalidField, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditWith } from '../audit/index.ts';
import { EmailSchema } from '../auth/index.ts';
import { lockOwners } from './members.sql.ts';

export async function listMembers(deps: Deps, options: { actor: Actor }) {
  const actor = authorize(options.actor, 'members:manage');
  return await deps.prisma.membership.findMany({ where: { organisationId: actor.organisationId }, include: { user: true }, orderBy: { createdAt: 'asc' } });
}

/**
 * Removes a member (their sessions for this organisation stop working); the last owner cannot be removed. Decided
 * under a lock on the organisation's owner memberships: two owners removing each other at the same moment are
 * serialised, and the second finds one owner left and is refused — an organisation always keeps an owner.
 */
export async function removeMember(deps: Deps, options: { actor: Actor; input: unknown }): Promise<string> {
  const actor = authorize(options.actor, 'members:manage');
  const input = parseInput(z.strictObject({ userId: z.string().trim().min(1).max(64) }), options.input);
  const userId = parseId('user', input.userId);
  const member = userId
    ? await deps.prisma.membership.findUnique({ where: { userId_organisationId: { userId, organisationId: actor.organisationId } } })
    : null;
  if (!member) throw notFound('Member');
  if (member.role !== 'STAFF' && !(actor.kind === 'user' && actor.role === 'OWNER')) throw forbidden('Only an owner can remove owners and admins.');
  await deps.prisma.$transaction(async (tx) => {
    // Rows a concurrent removal deleted are skipped once its lock is released: the count is of owners left now.
    const owners = await lockOwners(prismaSql(tx), actor.organisationId);
    const current = await tx.membership.findUnique({ where: { id: member.id } });
    if (!current) throw notFound('Member');
    if (current.role === 'OWNER' && owners.length <= 1) throw invalidField('userId', 'The last owner cannot be removed.');
    // The remover must still be an owner or admin here (a concurrent removal may have taken them out).
    if (
      actor.kind === 'user' &&
      !(await tx.membership.findUnique({ where: { userId_organisationId: { userId: actor.userId, organisationId: actor.organisationId } } }))
    ) {
      throw forbidden('You are no longer a member of this organisation.');
    }
    await tx.membership.delete({ where: { id: member.id } });
    await tx.session.deleteMany({ where: { userId: member.userId, organisationId: actor.organisationId } });
    await auditWith(tx, actor, 'member.removed', [member.userId]);
  });
  await deps.credentialWatch.revoke({ kind: 'member', userId: member.userId, organisationId: actor.organisationId });
  return member.userId;
}

const AddMemberInput = z.strictObject({
  organisationId: z.string().trim().min(1).max(64),
  email: EmailSchema,
  role: z.enum(['OWNER', 'ADMIN', 'STAFF']),
});

/**
 * The operator's repair (`eventogate members add`): an existing account joins an organisation with a role, or takes
 * that role if already a member — e.g. an organisation left without an owner. No invitation: whoever runs the
 * CLI already holds the database. Audited as the system.
 */
export async function addMemberAsOperator(deps: Deps, options: { input: unknown }): Promise<{ userId: string; organisationId: string; role: Role }> {
  const input = parseInput(AddMemberInput, options.input);
  const organisation = await deps.prisma.organisation.findUnique({ where: { id: input.organisationId } });
  if (!organisation) throw notFound('Organisation');
  const user = await deps.prisma.user.findUnique({ where: { email: input.email } });
  if (!user) throw notFound('User');
  await deps.prisma.$transaction(async (tx) => {
    await tx.membership.upsert({
      where: { userId_organisationId: { userId: user.id, organisationId: organisation.id } },
      create: { id: newId('membership'), userId: user.id, organisationId: organisation.id, role: input.role },
      update: { role: input.role },
    });
    await auditWith(tx, { kind: 'system', organisationId: organisation.id }, 'member.joined', [user.id]);
  });
  return { userId: user.id, organisationId: organisation.id, role: input.role };
}
