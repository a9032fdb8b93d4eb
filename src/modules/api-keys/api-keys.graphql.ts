import { builder } from '../../graphql/builder.ts';
import { ApiKeyEnvironmentEnum } from '../../graphql/enums.ts';
import { NodeRef } from '../../graphql/node.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.service.ts';

export const ApiKeyRef = builder.prismaObject('ApiKey', {
  interfaces: [NodeRef],
  description: 'An integrator key. The secret is shown once, by createApiKey; only its first characters are kept.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    environment: t.expose('environment', { type: ApiKeyEnvironmentEnum }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the secret, to recognise the key.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreatedApiKey = builder.objectRef<{ apiKey: Awaited<ReturnType<typeof createApiKey>>['apiKey']; secret: string }>('CreatedApiKey').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (created) => created.apiKey }),
    secret: t.exposeString('secret', { description: 'eg_live_… or eg_test_…; store it now, it is never shown again.' }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    environment: t.field({ type: ApiKeyEnvironmentEnum, required: true }),
  }),
});

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

builder.queryFields((t) => ({
  apiKeys: t.field({
    type: [ApiKeyRef],
    description: 'OWNER/ADMIN only.',
    resolve: (_root, _args, ctx) => listApiKeys(ctx.deps, { actor: ctx.actor }),
  }),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKey,
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, args, ctx) => createApiKey(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: (_root, args, ctx) => revokeApiKey(ctx.deps, { actor: ctx.actor, input: args.input }),
  }),
}));
