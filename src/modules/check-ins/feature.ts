import type { Feature } from '../../lib/feature.ts';
import { checkInRoutes } from './check-ins.rest.ts';

/** Check-ins over REST v1 and GraphQL. */
export const feature: Feature = {
  name: 'check-ins',
  graphql: () => import('./check-ins.graphql.ts'),
  routes: [...checkInRoutes],
};
