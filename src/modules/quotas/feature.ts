import type { Feature } from '../../lib/feature.ts';

/** Seats shared by several ticket types (CONTRACT §14). */
export const feature: Feature = {
  name: 'quotas',
  graphql: () => import('./quotas.graphql.ts'),
};
