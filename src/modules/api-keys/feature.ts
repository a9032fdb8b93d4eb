import type { Feature } from '../../lib/feature.ts';
import { SharedCache } from '../../lib/shared-cache.ts';
import { UsageTracker } from '../../lib/usage-tracker.ts';
import type { ApiKeyRecord } from './api-keys.service.ts';
import { findApiKeyActor, looksLikeApiKey } from './api-keys.service.ts';

declare module '../../lib/services.ts' {
  interface Services {
    /** last_used_at of API keys, written in batches. */
    apiKeyUsage: UsageTracker;
  }
  interface Caches {
    /** API key secret hash → the key's owner, mode and revocation. */
    apiKeys: SharedCache<ApiKeyRecord>;
  }
}

/** API keys: created, listed, revoked (the secret shown once). */
export const feature: Feature = {
  name: 'api-keys',
  graphql: () => import('./api-keys.graphql.ts'),
  credentials: { apiKey: { matches: looksLikeApiKey, authenticate: findApiKeyActor } },
  services: async (deps, { lifecycle }) => {
    deps.apiKeyUsage = new UsageTracker(deps.prisma, deps.logger, 'api_keys');
    lifecycle.onStop('services', 'API key usage', () => deps.apiKeyUsage.close());
    deps.caches.apiKeys = new SharedCache<ApiKeyRecord>('apiKeys', deps.pubsub, { max: 10_000, ttlMs: 30_000 });
    await deps.caches.apiKeys.start();
  },
};
