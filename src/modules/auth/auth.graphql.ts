import { builder } from '../../graphql/builder.ts';
import { RoleEnum } from '../../graphql/enums.ts';
import { ApiKeyRef } from '../api-keys/api-keys.graphql.ts';
import { requireActor } from './actor.ts';
import { logIn, logOut, signUp } from './auth.service.ts';

export const UserRef = builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const OrganisationRef = builder.prismaObject('Organisation', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

interface AuthPayloadShape {
  token: string;
  userId: string;
  organisationId: string;
}

const AuthPayload = builder.objectRef<AuthPayloadShape>('AuthPayload').implement({
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
    apiKey: t.field({
      type: ApiKeyRef,
      nullable: true,
      resolve: (viewer, _args, ctx) => (viewer.apiKeyId ? ctx.deps.prisma.apiKey.findUnique({ where: { id: viewer.apiKeyId } }) : null),
    }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true, description: 'At least 10 characters.' }),
    name: t.string({ required: true }),
    organisationName: t.string({ required: true }),
  }),
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

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    description: 'Creates a user and their organisation (the user becomes its OWNER) and logs them in.',
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_root, args, ctx) => signUp(ctx.deps, { input: args.input }),
  }),
  logIn: t.field({
    type: AuthPayload,
    args: { input: t.arg({ type: LogInInput, required: true }) },
    resolve: (_root, args, ctx) => logIn(ctx.deps, { input: args.input }),
  }),
  logOut: t.boolean({
    description: 'Ends the session that authenticated this request.',
    resolve: (_root, _args, ctx) => logOut(ctx.deps, { actor: ctx.actor }),
  }),
}));
