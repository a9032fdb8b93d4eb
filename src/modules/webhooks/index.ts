import type { Feature } from '../../lib/feature.ts';

/** Webhook endpoints, deliveries and their attempts. */
export const feature: Feature = {
  name: 'webhooks',
  graphql: () => import('./webhooks.graphql.ts'),
};
