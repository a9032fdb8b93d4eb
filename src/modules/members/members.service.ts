import { hash } from '@node-rs/argon2';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { Membership, User } from '../../generated/prisma/client.ts';
import { forbidden, invalidField, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, authorize } from '../auth/actor.ts';

const AddMemberInput = z.strictObject({
  email: z
    .string()
    .trim()
    .max(254)
    .pipe(z.email())
    .transform((e) => e.toLowerCase()),
  role: z.enum(['OWNER', 'ADMIN', 'STAFF']),
  name: z.string().trim().min(1).max(100).nullish(),
  password: z.string().min(10).max(256).nullish(),
});

/**
 * Adds a person to the caller's organisation. An existing EventoGate user is added as they are; a new one
 * is created with the name and initial password the owner gives (and passes on to them). Admins may add
 * STAFF; only owners may add owners and admins.
 */
export async function addMember(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Membership & { user: User }> {
  const actor = authorize(options.actor, 'members:manage');
  const input = parseInput(AddMemberInput, options.input);
  if (input.role !== 'STAFF' && !(actor.kind === 'user' && actor.role === 'OWNER')) throw forbidden('Only an owner can add owners and admins.');
  const existing = await deps.prisma.user.findUnique({ where: { email: input.email } });
  if (!existing && (!input.name || !input.password)) {
    throw invalidField('password', 'The name and password fields are required to add someone who has no EventoGate account yet.');
  }
  return await deps.prisma.$transaction(async (tx) => {
    const user =
      existing ??
      (await tx.user.create({
        data: { id: newId('user'), email: input.email, name: input.name as string, passwordHash: await hash(input.password as string) },
      }));
    const member = await tx.membership.findUnique({ where: { userId_organisationId: { userId: user.id, organisationId: actor.organisationId } } });
    if (member) throw invalidField('email', 'This person is already a member of your organisation.');
    return await tx.membership.create({
      data: { id: newId('membership'), userId: user.id, organisationId: actor.organisationId, role: input.role },
      include: { user: true },
    });
  });
}

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
  await deps.prisma.$transaction([
    deps.prisma.membership.delete({ where: { id: member.id } }),
    deps.prisma.session.deleteMany({ where: { userId: member.userId, organisationId: actor.organisationId } }),
  ]);
  return member.userId;
}
