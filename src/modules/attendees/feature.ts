import type { Feature } from '../../lib/feature.ts';

/**
 * Attendees: every read (REST list, one registration and CSV, GraphQL connection, node and counts) through one
 * read service, the REST presentation and the GraphQL type.
 */
export const feature: Feature = {
  name: 'attendees',
  graphql: () => import('./attendees.graphql.ts'),
};
