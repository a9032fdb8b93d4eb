import type { Feature } from '../../lib/feature.ts';
import { registrationRoutes } from './registrations.rest.ts';
import { createRegistrationBatcher, type RegistrationBatcher } from './registrations.service.ts';

declare module '../../lib/services.ts' {
  interface Services {
    /** Registrations arriving together, written together (registrations.service.ts). */
    registrationBatcher: RegistrationBatcher;
  }
}

/**
 * Registrations: who takes a seat and how an attendee changes — REST v1's register, list, read, export and erase
 * routes (reads through attendees' read service), GraphQL's registerAttendee, updateAttendee and setAttendeeStatus.
 */
export const feature: Feature = {
  name: 'registrations',
  routes: [...registrationRoutes],
  graphql: () => import('./registrations.graphql.ts'),
  services: (deps) => {
    deps.registrationBatcher = createRegistrationBatcher(deps);
  },
};
