import { builder } from '../../graphql/builder.ts';
import { RoleEnum } from '../../graphql/enums.ts';
import { addMember, listMembers, removeMember } from './members.service.ts';

const MemberRef = builder.prismaObject('Membership', {
  name: 'Member',
  fields: (t) => ({
    user: t.relation('user'),
    role: t.expose('role', { type: RoleEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AddMemberInput = builder.inputType('AddMemberInput', {
  description: 'An existing user is added as they are; for someone new, give name and an initial password to pass on.',
  fields: (t) => ({
    email: t.string({ required: true }),
    role: t.field({ type: RoleEnum, required: true, description: 'Admins may add STAFF; owners anyone.' }),
    name: t.string(),
    password: t.string(),
  }),
});

const RemoveMemberInput = builder.inputType('RemoveMemberInput', { fields: (t) => ({ userId: t.id({ required: true }) }) });

builder.queryFields((t) => ({
  members: t.field({ type: [MemberRef], description: 'OWNER/ADMIN only.', resolve: (_root, _args, ctx) => listMembers(ctx.deps, { actor: ctx.actor }) }),
}));

builder.mutationFields((t) => ({
  addMember: t.field({
    type: MemberRef,
    args: { input: t.arg({ type: AddMemberInput, required: true }) },
    resolve: (_root, args, ctx) => addMember(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  removeMember: t.id({
    description: 'Returns the removed user’s id; their sessions for this organisation end.',
    args: { input: t.arg({ type: RemoveMemberInput, required: true }) },
    resolve: (_root, args, ctx) => removeMember(ctx.deps, { actor: ctx.actor, input: { userId: String(args.input.userId) } }),
  }),
}));
