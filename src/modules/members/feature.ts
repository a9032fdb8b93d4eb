import type { Feature } from '../../lib/feature.ts';

/** An organisation's members and invitations. */
export const feature: Feature = {
  name: 'members',
  graphql: () => import('./members.graphql.ts'),
};
