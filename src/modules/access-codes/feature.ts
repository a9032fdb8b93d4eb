import type { Feature } from '../../lib/feature.ts';

/** Codes that unlock hidden ticket types and hold seats for their holders (CONTRACT §14). */
export const feature: Feature = {
  name: 'access-codes',
  graphql: () => import('./access-codes.graphql.ts'),
};
