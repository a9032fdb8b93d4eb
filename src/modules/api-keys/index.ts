import type { Feature } from '../../lib/feature.ts';

/** API keys: created, listed, revoked (the secret shown once). */
export const feature: Feature = {
  name: 'api-keys',
  graphql: () => import('./api-keys.graphql.ts'),
};
