import type { Feature } from '../../lib/feature.ts';
import { findApiKeyActor, looksLikeApiKey } from './api-keys.service.ts';

/** API keys: created, listed, revoked (the secret shown once). */
export const feature: Feature = {
  name: 'api-keys',
  graphql: () => import('./api-keys.graphql.ts'),
  credentials: { apiKey: { matches: looksLikeApiKey, authenticate: findApiKeyActor } },
};
