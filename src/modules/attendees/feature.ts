import type { Feature } from '../../lib/feature.ts';
import { mountAttendeesDownload } from './attendees-download.ts';

/**
 * Attendees: every read (REST list, one registration and CSV, GraphQL connection, node and counts) through one
 * read service, the REST presentation and the GraphQL type; the CSV as a signed download link.
 */
export const feature: Feature = {
  name: 'attendees',
  graphql: () => import('./attendees.graphql.ts'),
  pages: (app, deps) => mountAttendeesDownload(app, deps),
};
