import type { Feature } from '../../lib/feature.ts';
import { LiveLimits } from '../../lib/live-limits.ts';
import { LiveFeed } from './live-feed.ts';

declare module '../../lib/services.ts' {
  interface Services {
    /** Live feeds (check-ins, registrations, counts) across processes. */
    live: LiveFeed;
    /** Caps on live subscriptions per socket, credential and organisation (this process). */
    liveLimits: LiveLimits;
  }
}

/** Live feeds (subscriptions) of check-ins and numbers. */
export const feature: Feature = {
  name: 'live',
  graphql: () => import('./live.graphql.ts'),
  services: async (deps, { lifecycle, receive }) => {
    deps.liveLimits = new LiveLimits(deps.config.liveMaxSubscriptions);
    deps.live = new LiveFeed(deps.pubsub);
    // Live subscriptions are served by API processes; a worker only publishes (e.g. imported attendees).
    await deps.live.start(deps, { receive });
    lifecycle.onStop('services', 'live feed', () => deps.live.close());
  },
};
