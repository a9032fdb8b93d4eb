import type { Feature } from '../../lib/feature.ts';

/** Relay node lookups across every type. */
export const feature: Feature = {
  name: 'nodes',
  graphql: () => import('./nodes.graphql.ts'),
};
