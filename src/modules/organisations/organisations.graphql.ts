import { builder } from '../../graphql/builder.ts';
import { updateOrganisation } from './organisations.service.ts';

const UpdateOrganisationInput = builder.inputType('UpdateOrganisationInput', {
  description: 'Only the fields sent change.',
  fields: (t) => ({
    name: t.string(),
    retentionDays: t.int({ description: '1–3650, or null to keep personal data until erased by hand.' }),
  }),
});

builder.mutationFields((t) => ({
  updateOrganisation: t.prismaField({
    type: 'Organisation',
    description: 'The caller’s organisation. OWNER/ADMIN only.',
    args: { input: t.arg({ type: UpdateOrganisationInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const organisation = await updateOrganisation(ctx.deps, { actor: ctx.actor, input: args.input });
      return await ctx.deps.prisma.organisation.findUniqueOrThrow({ ...query, where: { id: organisation.id } });
    },
  }),
}));
