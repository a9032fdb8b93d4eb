import type { Feature } from '../../lib/feature.ts';

/** Organisations and their settings. */
export const feature: Feature = {
  name: 'organisations',
  graphql: () => import('./organisations.graphql.ts'),
};
