import { builder } from '../../graphql/builder.ts';
import { RoleEnum } from '../../graphql/enums.ts';
import { NodeRef } from '../../graphql/node.ts';
import { AuthPayload, started } from '../auth/index.ts';
import { acceptInvitation, inviteMember, listInvitations, revokeInvitation } from './invitations.service.ts';
import { listMembers, removeMember } from './members.service.ts';

const MemberRef = builder.prismaObject('Membership', {
  interfaces: [NodeRef],
  name: 'Member',
  fields: (t) => ({
    id: t.exposeID('id'),
    user: t.relation('user'),
    role: t.expose('role', { type: RoleEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const InvitationRef = builder.prismaObject('Invitation', {
  interfaces: [NodeRef],
  description: 'An invitation emailed as a one-time egi_ token (7 days); the token itself is never shown again.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    role: t.expose('role', { type: RoleEnum }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    acceptedAt: t.expose('acceptedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const InviteMemberInput = builder.inputType('InviteMemberInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    role: t.field({ type: RoleEnum, required: true, description: 'Admins may invite STAFF; owners anyone.' }),
  }),
});
const RevokeInvitationInput = builder.inputType('RevokeInvitationInput', { fields: (t) => ({ id: t.id({ required: true }) }) });
const AcceptInvitationInput = builder.inputType('AcceptInvitationInput', {
  description:
    'With no account for the invited email: name and a new password create it. An account never verified is claimed (new password; its other sessions end). A verified account: its password.',
  fields: (t) => ({
    token: t.string({ required: true, description: 'egi_… from the invitation email.' }),
    name: t.string(),
    password: t.string({ required: true }),
  }),
});
const RemoveMemberInput = builder.inputType('RemoveMemberInput', { fields: (t) => ({ userId: t.id({ required: true }) }) });

builder.queryFields((t) => ({
  members: t.field({ type: [MemberRef], description: 'OWNER/ADMIN only.', resolve: (_root, _args, ctx) => listMembers(ctx.deps, { actor: ctx.actor }) }),
  invitations: t.field({
    type: [InvitationRef],
    description: 'Newest first. OWNER/ADMIN only.',
    resolve: (_root, _args, ctx) => listInvitations(ctx.deps, { actor: ctx.actor }),
  }),
}));

builder.mutationFields((t) => ({
  inviteMember: t.field({
    type: InvitationRef,
    description: 'Emails a one-time invitation token to the address. Limited per client address and per organisation.',
    args: { input: t.arg({ type: InviteMemberInput, required: true }) },
    resolve: (_root, args, ctx) => inviteMember(ctx.deps, { actor: ctx.actor, input: args.input, clientIp: ctx.clientIp }),
  }),
  revokeInvitation: t.field({
    type: InvitationRef,
    args: { input: t.arg({ type: RevokeInvitationInput, required: true }) },
    resolve: (_root, args, ctx) => revokeInvitation(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  acceptInvitation: t.field({
    type: AuthPayload,
    description: 'Joins the organisation with the token from the invitation email and starts a session there.',
    args: { input: t.arg({ type: AcceptInvitationInput, required: true }) },
    resolve: async (_root, args, ctx) => started(ctx, await acceptInvitation(ctx.deps, { input: args.input })),
  }),
  removeMember: t.id({
    description: 'Returns the removed user’s id; their sessions for this organisation end, live subscriptions included.',
    args: { input: t.arg({ type: RemoveMemberInput, required: true }) },
    resolve: (_root, args, ctx) => removeMember(ctx.deps, { actor: ctx.actor, input: { userId: String(args.input.userId) } }),
  }),
}));
