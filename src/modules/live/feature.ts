import type { Feature } from '../../lib/feature.ts';

/** Live feeds (subscriptions) of check-ins and numbers. */
export const feature: Feature = {
  name: 'live',
  graphql: () => import('./live.graphql.ts'),
};
