import { builder } from '../../graphql/builder.ts';
import type { GraphQLContext } from '../../graphql/context.ts';
import { RoleEnum } from '../../graphql/enums.ts';
import { NodeRef } from '../../graphql/node.ts';
import { requireActor } from '../../lib/actor.ts';
import {
  changePassword,
  listSessions,
  requestPasswordReset,
  resendVerificationEmail,
  resetPassword,
  revokeSession,
  type SessionView,
  verifyEmail,
} from './accounts.service.ts';
import { type AuthResult, logIn, logOut, signUp, switchOrganisation } from './auth.service.ts';

export const UserRef = builder.prismaObject('User', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    emailVerifiedAt: t.expose('emailVerifiedAt', { type: 'DateTime', nullable: true, description: 'When the mailbox owner confirmed it; null until then.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const OrganisationRef = builder.prismaObject('Organisation', {
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    retentionDays: t.exposeInt('retentionDays', {
      nullable: true,
      description: 'Days after an event ends that its attendees’ personal data is kept; null keeps it until erased.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

interface AuthPayloadShape {
  token: string;
  userId: string;
  organisationId: string;
}

/** A session that just started: a browser that asked for it keeps the token in its HttpOnly cookie (session-cookie.ts). */
export function started(ctx: GraphQLContext, session: AuthResult): AuthResult {
  ctx.sessionCookie?.issue(session.token, session.expiresAt);
  return session;
}

export const AuthPayload = builder.objectRef<AuthPayloadShape>('AuthPayload').implement({
  description: 'A new session. Send the token as `Authorization: Bearer <token>`.',
  fields: (t) => ({
    token: t.exposeString('token'),
    user: t.prismaField({
      type: 'User',
      resolve: (query, payload, _args, ctx) => ctx.deps.prisma.user.findUniqueOrThrow({ ...query, where: { id: payload.userId } }),
    }),
    organisation: t.prismaField({
      type: 'Organisation',
      resolve: (query, payload, _args, ctx) => ctx.deps.prisma.organisation.findUniqueOrThrow({ ...query, where: { id: payload.organisationId } }),
    }),
  }),
});

interface OrganisationMembershipShape {
  organisationId: string;
  role: 'OWNER' | 'ADMIN' | 'STAFF';
  current: boolean;
}

const OrganisationMembershipRef = builder.objectRef<OrganisationMembershipShape>('OrganisationMembership').implement({
  description: 'One of the viewer’s organisations and their role in it.',
  fields: (t) => ({
    organisation: t.prismaField({
      type: 'Organisation',
      resolve: (query, membership, _args, ctx) => ctx.deps.prisma.organisation.findUniqueOrThrow({ ...query, where: { id: membership.organisationId } }),
    }),
    role: t.field({ type: RoleEnum, resolve: (membership) => membership.role }),
    current: t.exposeBoolean('current', { description: 'The organisation this session acts for.' }),
  }),
});

interface ViewerShape {
  organisationId: string;
  userId: string | null;
  role: 'OWNER' | 'ADMIN' | 'STAFF' | null;
  apiKeyId: string | null;
}

const Viewer = builder.objectRef<ViewerShape>('Viewer').implement({
  description: 'Who the request is authenticated as: a dashboard user with a role, or an API key.',
  fields: (t) => ({
    organisation: t.prismaField({
      type: 'Organisation',
      resolve: (query, viewer, _args, ctx) => ctx.deps.prisma.organisation.findUniqueOrThrow({ ...query, where: { id: viewer.organisationId } }),
    }),
    user: t.prismaField({
      type: 'User',
      nullable: true,
      resolve: (query, viewer, _args, ctx) => (viewer.userId ? ctx.deps.prisma.user.findUnique({ ...query, where: { id: viewer.userId } }) : null),
    }),
    role: t.field({ type: RoleEnum, nullable: true, resolve: (viewer) => viewer.role }),
    organisations: t.field({
      type: [OrganisationMembershipRef],
      description:
        'Every organisation the user is a member of, with their role there, in the order they joined (the organisation switcher). Empty for an API key.',
      resolve: async (viewer, _args, ctx) => {
        if (!viewer.userId) return [];
        const memberships = await ctx.deps.prisma.membership.findMany({
          where: { userId: viewer.userId },
          orderBy: { createdAt: 'asc' },
          select: { role: true, organisationId: true },
        });
        return memberships.map((m) => ({ organisationId: m.organisationId, role: m.role, current: m.organisationId === viewer.organisationId }));
      },
    }),
    apiKey: t.prismaField({
      type: 'ApiKey',
      nullable: true,
      resolve: (query, viewer, _args, ctx) => (viewer.apiKeyId ? ctx.deps.prisma.apiKey.findUnique({ ...query, where: { id: viewer.apiKeyId } }) : null),
    }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true, description: 'At least 10 characters, not a common password, not one character repeated.' }),
    name: t.string({ required: true }),
    organisationName: t.string({ required: true }),
  }),
});

const SwitchOrganisationInput = builder.inputType('SwitchOrganisationInput', {
  fields: (t) => ({ organisationId: t.id({ required: true, description: 'One of Viewer.organisations.' }) }),
});

const LogInInput = builder.inputType('LogInInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true }),
    organisationId: t.id({ description: 'Which of your organisations to act for; defaults to the first you joined.' }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: Viewer,
    nullable: true,
    description: 'The caller; null when the request carries no credentials.',
    resolve: (_root, _args, ctx) => {
      if (ctx.actor.kind === 'anonymous' && !ctx.actor.rejected) return null;
      const actor = requireActor(ctx.actor);
      return actor.kind === 'user'
        ? { organisationId: actor.organisationId, userId: actor.userId, role: actor.role, apiKeyId: null }
        : { organisationId: actor.organisationId, userId: null, role: null, apiKeyId: actor.apiKeyId };
    },
  }),
}));

const SessionRef = builder.objectRef<SessionView>('Session').implement({
  interfaces: [NodeRef],
  description: 'A dashboard session of the caller (any of their organisations).',
  fields: (t) => ({
    id: t.exposeID('id'),
    organisationId: t.exposeID('organisationId'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    current: t.exposeBoolean('current', { description: 'The session making this request.' }),
  }),
});

const tokenInput = (name: string, description: string) => builder.inputType(name, { fields: (t) => ({ token: t.string({ required: true, description }) }) });
const VerifyEmailInput = tokenInput('VerifyEmailInput', 'egv_… from the verification email.');
const RequestPasswordResetInput = builder.inputType('RequestPasswordResetInput', { fields: (t) => ({ email: t.string({ required: true }) }) });
const ResetPasswordInput = builder.inputType('ResetPasswordInput', {
  fields: (t) => ({ token: t.string({ required: true, description: 'egr_… from the reset email.' }), password: t.string({ required: true }) }),
});
const ChangePasswordInput = builder.inputType('ChangePasswordInput', {
  fields: (t) => ({ currentPassword: t.string({ required: true }), newPassword: t.string({ required: true }) }),
});
const RevokeSessionInput = builder.inputType('RevokeSessionInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

builder.queryFields((t) => ({
  sessions: t.field({
    type: [SessionRef],
    description: 'The caller’s sessions, newest first.',
    resolve: (_root, _args, ctx) => listSessions(ctx.deps, { actor: ctx.actor }),
  }),
}));

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    description: 'Creates a user and their organisation (the user becomes its OWNER), logs them in and emails a verification token.',
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: async (_root, args, ctx) => started(ctx, await signUp(ctx.deps, { input: args.input, clientIp: ctx.clientIp })),
  }),
  logIn: t.field({
    type: AuthPayload,
    description: 'Limited per email and per client address; repeated failures lock both for a growing time (RATE_LIMITED).',
    args: { input: t.arg({ type: LogInInput, required: true }) },
    resolve: async (_root, args, ctx) => started(ctx, await logIn(ctx.deps, { input: args.input, clientIp: ctx.clientIp })),
  }),
  verifyEmail: t.prismaField({
    type: 'User',
    description: 'Confirms the caller owns the mailbox (the token is single-use).',
    args: { input: t.arg({ type: VerifyEmailInput, required: true }) },
    resolve: (_query, _root, args, ctx) => verifyEmail(ctx.deps, { input: args.input }),
  }),
  resendVerificationEmail: t.boolean({
    description: 'Emails a new verification token to the caller.',
    resolve: (_root, _args, ctx) => resendVerificationEmail(ctx.deps, { actor: ctx.actor }),
  }),
  requestPasswordReset: t.boolean({
    description: 'Always true, whether or not the email has an account; an account gets a reset token by email (1 h, one use).',
    args: { input: t.arg({ type: RequestPasswordResetInput, required: true }) },
    resolve: (_root, args, ctx) => requestPasswordReset(ctx.deps, { input: args.input, clientIp: ctx.clientIp }),
  }),
  resetPassword: t.field({
    type: AuthPayload,
    description: 'Sets a new password with a reset token; every other session ends.',
    args: { input: t.arg({ type: ResetPasswordInput, required: true }) },
    resolve: async (_root, args, ctx) => started(ctx, await resetPassword(ctx.deps, { input: args.input })),
  }),
  changePassword: t.boolean({
    description: 'Needs the current password; every other session of the caller ends.',
    args: { input: t.arg({ type: ChangePasswordInput, required: true }) },
    resolve: (_root, args, ctx) => changePassword(ctx.deps, { actor: ctx.actor, input: args.input, clientIp: ctx.clientIp }),
  }),
  revokeSession: t.boolean({
    description: 'Ends one of the caller’s sessions (and its live subscriptions).',
    args: { input: t.arg({ type: RevokeSessionInput, required: true }) },
    resolve: (_root, args, ctx) => revokeSession(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  logOut: t.boolean({
    description: 'Ends the session that authenticated this request.',
    resolve: async (_root, _args, ctx) => {
      const ended = await logOut(ctx.deps, { actor: ctx.actor });
      ctx.sessionCookie?.clear();
      return ended;
    },
  }),
  switchOrganisation: t.field({
    type: AuthPayload,
    description: 'A session in another of the caller’s organisations (Viewer.organisations); the current session ends.',
    args: { input: t.arg({ type: SwitchOrganisationInput, required: true }) },
    resolve: async (_root, args, ctx) => started(ctx, await switchOrganisation(ctx.deps, { actor: ctx.actor, input: args.input })),
  }),
}));
