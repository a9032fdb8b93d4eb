import type { Feature } from '../../lib/feature.ts';
import { authenticateDevice } from './devices.service.ts';
import { scannerRoutes } from './scanner.rest.ts';

/** The door: devices, zones, scans, offline sync, signed ticket codes. */
export const feature: Feature = {
  name: 'door',
  graphql: () => import('./door.graphql.ts'),
  routes: [...scannerRoutes],
  credentials: { device: { authenticate: authenticateDevice } },
};
