import type { Feature } from '../../lib/feature.ts';
import { registrationRoutes } from './registrations.rest.ts';
import { createRegistrationBatcher, type RegistrationBatcher } from './registrations.service.ts';
import { waitlistJobs } from './waitlist.jobs.ts';
import { claimRoutes, mountClaimPage } from './waitlist.rest.ts';
import { fillEvent } from './waitlist.ts';

declare module '../../lib/services.ts' {
  interface Services {
    /** Registrations arriving together, written together (registrations.service.ts). */
    registrationBatcher: RegistrationBatcher;
    /** Seats that may have freed outside a registration (a capacity raised) go to those in line (waitlist.ts). */
    waitlist: { fillEvent: (eventId: string) => Promise<unknown> };
  }
}

/**
 * Registrations: who takes a seat and how an attendee changes — REST v1's register, list, read, export and erase
 * routes (reads through attendees' read service), GraphQL's registerAttendee, updateAttendee and setAttendeeStatus.
 */
export const feature: Feature = {
  name: 'registrations',
  routes: [...registrationRoutes, ...claimRoutes],
  jobs: waitlistJobs,
  pages: (app, deps) => mountClaimPage(app, deps),
  graphql: () => import('./registrations.graphql.ts'),
  services: (deps) => {
    deps.registrationBatcher = createRegistrationBatcher(deps);
    deps.waitlist = { fillEvent: (eventId) => fillEvent(deps, eventId) };
  },
};
