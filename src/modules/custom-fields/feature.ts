import type { Feature } from '../../lib/feature.ts';

/** An event's registration questions. */
export const feature: Feature = {
  name: 'custom-fields',
  graphql: () => import('./custom-fields.graphql.ts'),
};
