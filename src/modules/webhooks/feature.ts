import type { Feature } from '../../lib/feature.ts';
import { webhooksPersonalData } from './personal-data.ts';
import { webhooksCleanup } from './webhooks.cleanup.ts';

/** Webhook endpoints, deliveries and their attempts. */
export const feature: Feature = {
  name: 'webhooks',
  graphql: () => import('./webhooks.graphql.ts'),
  cleanup: webhooksCleanup,
  personalData: webhooksPersonalData,
};
