import type { Feature } from '../../lib/feature.ts';

/** Ticket types and their capacity. */
export const feature: Feature = {
  name: 'ticket-types',
  graphql: () => import('./ticket-types.graphql.ts'),
};
