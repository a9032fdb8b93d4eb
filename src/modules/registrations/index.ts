import type { Feature } from '../../lib/feature.ts';
import { registrationRoutes } from './registrations.rest.ts';

/** Registrations over REST v1: register, list, read, export. */
export const feature: Feature = {
  name: 'registrations',
  routes: [...registrationRoutes],
};
