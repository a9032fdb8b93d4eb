import type { Feature } from '../../lib/feature.ts';
import { authenticateDevice } from './devices.service.ts';
import { createDoorBatcher, type DoorBatcher } from './door.service.ts';
import { scannerRoutes } from './scanner.rest.ts';
import { ZoneFeed } from './zone-feed.ts';

declare module '../../lib/services.ts' {
  interface Services {
    /** Who is inside each zone, pushed to zoneOccupancy subscribers across processes. */
    zones: ZoneFeed;
    /** Every scan's decision, batched: one engine for check-ins, the desk and the door (door.service.ts). */
    doorBatcher: DoorBatcher;
  }
}

/** The door: devices, zones, scans, offline sync, signed ticket codes. */
export const feature: Feature = {
  name: 'door',
  graphql: () => import('./door.graphql.ts'),
  routes: [...scannerRoutes],
  credentials: { device: { authenticate: authenticateDevice } },
  services: async (deps, { lifecycle, receive }) => {
    deps.doorBatcher = createDoorBatcher(deps);
    deps.zones = new ZoneFeed(deps.pubsub);
    await deps.zones.start(deps, { receive });
    lifecycle.onStop('services', 'zone feed', () => deps.zones.close());
  },
};
