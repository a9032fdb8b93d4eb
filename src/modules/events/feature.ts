import type { Feature } from '../../lib/feature.ts';

/** Events and their numbers. */
export const feature: Feature = {
  name: 'events',
  graphql: async () => {
    await import('./events.graphql.ts');
    await import('./event-stats.graphql.ts');
  },
};
