import type { Feature } from '../../lib/feature.ts';
import { registrationRoutes } from './registrations.rest.ts';

/**
 * Registrations: who takes a seat and how an attendee changes — REST v1's register, list, read, export and erase
 * routes (reads through attendees' read service), GraphQL's registerAttendee, updateAttendee and setAttendeeStatus.
 */
export const feature: Feature = {
  name: 'registrations',
  routes: [...registrationRoutes],
  graphql: () => import('./registrations.graphql.ts'),
};
