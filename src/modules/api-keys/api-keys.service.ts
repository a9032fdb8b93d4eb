import type { Deps } from '../../deps.ts';
import type { ApiKey } from '../../generated/prisma/client.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import { notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { auditWith } from '../audit/index.ts';
import { CreateApiKeyInput, RevokeApiKeyInput } from './api-keys.schemas.ts';

const KEY_PREFIX = { LIVE: 'eg_live_', TEST: 'eg_test_' } as const;
const API_KEY_SHAPE = /^eg_(live|test)_[A-Za-z0-9_-]{20,100}$/;

export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(KEY_PREFIX.LIVE) || credential.startsWith(KEY_PREFIX.TEST);
}

/** Creates a key and returns its secret, which is never stored (only its SHA-256) and never shown again. */
export async function createApiKey(deps: Deps, options: { actor: Actor; input: unknown }): Promise<{ apiKey: ApiKey; secret: string }> {
  const actor = authorize(options.actor, 'api-keys:manage');
  const input = parseInput(CreateApiKeyInput, options.input);
  const secret = `${KEY_PREFIX[input.environment]}${randomToken(24)}`;
  const apiKey = await deps.prisma.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        id: newId('apiKey'),
        organisationId: actor.organisationId,
        createdById: actor.kind === 'user' ? actor.userId : null,
        name: input.name,
        environment: input.environment,
        prefix: secret.slice(0, 12),
        secretHash: sha256Hex(secret),
      },
    });
    await auditWith(tx, actor, 'api_key.created', [created.id]);
    return created;
  });
  return { apiKey, secret };
}

export async function revokeApiKey(deps: Deps, options: { actor: Actor; input: unknown }): Promise<ApiKey> {
  const actor = authorize(options.actor, 'api-keys:manage');
  const input = parseInput(RevokeApiKeyInput, options.input);
  const id = parseId('apiKey', input.id);
  const key = id ? await deps.prisma.apiKey.findUnique({ where: { id } }) : null;
  if (!key) throw notFound('API key');
  if (key.organisationId !== actor.organisationId) throw notFound('API key');
  if (key.revokedAt) return key;
  const revoked = await deps.prisma.$transaction(async (tx) => {
    const row = await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: deps.clock.now() } });
    await auditWith(tx, actor, 'api_key.revoked', [key.id]);
    return row;
  });
  await deps.caches.apiKeys.invalidate(key.secretHash);
  await deps.credentialWatch.revoke({ kind: 'apiKey', apiKeyId: key.id });
  return revoked;
}

export async function listApiKeys(deps: Deps, options: { actor: Actor }): Promise<ApiKey[]> {
  const actor = authorize(options.actor, 'api-keys:manage');
  return await deps.prisma.apiKey.findMany({ where: { organisationId: actor.organisationId }, orderBy: { createdAt: 'desc' } });
}

export type ApiKeyRecord = Pick<ApiKey, 'id' | 'organisationId' | 'environment' | 'revokedAt' | 'prefix'>;

/**
 * The actor behind an API key secret. Keys are cached (revocation invalidates every process's copy at once);
 * usage is recorded in memory and written in batches.
 */
export async function findApiKeyActor(deps: Deps, secret: string): Promise<Extract<Actor, { kind: 'apiKey' | 'anonymous' }>> {
  if (!API_KEY_SHAPE.test(secret)) return { kind: 'anonymous', rejected: 'invalid_api_key' };
  const secretHash = sha256Hex(secret);
  const key = await deps.caches.apiKeys.get(secretHash, () =>
    deps.prisma.apiKey.findUnique({ where: { secretHash }, select: { id: true, organisationId: true, environment: true, revokedAt: true, prefix: true } }),
  );
  if (!key) return { kind: 'anonymous', rejected: 'invalid_api_key' };
  if (key.revokedAt) return { kind: 'anonymous', rejected: 'revoked_api_key' };
  deps.apiKeyUsage.touch(key.id);
  return { kind: 'apiKey', apiKeyId: key.id, keyPrefix: key.prefix, organisationId: key.organisationId, environment: key.environment };
}
