import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { Organisation } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditWith } from '../audit/index.ts';

const UpdateOrganisationInput = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  /** Days after an event ends that its attendees' personal data is kept; null: kept until erased by hand. */
  retentionDays: z.int().min(1).max(3_650).nullish(),
});

/** Renames the caller's organisation or sets its retention. OWNER/ADMIN; only the fields sent change. */
export async function updateOrganisation(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Organisation> {
  const actor = authorize(options.actor, 'organisation:manage');
  const input = parseInput(UpdateOrganisationInput, options.input);
  const data = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  return await deps.prisma.$transaction(async (tx) => {
    const organisation = await tx.organisation.update({ where: { id: actor.organisationId }, data });
    await auditWith(tx, actor, 'organisation.updated', [actor.organisationId]);
    return organisation;
  });
}
