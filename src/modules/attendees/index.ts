import type { Feature } from '../../lib/feature.ts';

/** Attendees for dashboards: lists, search, one attendee. */
export const feature: Feature = {
  name: 'attendees',
  graphql: () => import('./attendees.graphql.ts'),
};
