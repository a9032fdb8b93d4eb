import type { Feature } from '../../lib/feature.ts';
import { SharedCache } from '../../lib/shared-cache.ts';
import type { CachedEvent } from './event-cache.ts';

declare module '../../lib/services.ts' {
  interface Caches {
    /** Event id → the event with its ticket types and fields (event-cache.ts). */
    events: SharedCache<CachedEvent>;
  }
}

/** Events and their numbers. */
export const feature: Feature = {
  name: 'events',
  graphql: async () => {
    await import('./events.graphql.ts');
    await import('./event-stats.graphql.ts');
  },
  services: async (deps) => {
    deps.caches.events = new SharedCache<CachedEvent>('events', deps.pubsub, { max: 2_000, ttlMs: 10_000 });
    await deps.caches.events.start();
  },
};
