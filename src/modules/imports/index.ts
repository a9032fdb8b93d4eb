import type { Feature } from '../../lib/feature.ts';
import { importJob } from './imports.jobs.ts';

/** CSV imports of attendees. */
export const feature: Feature = {
  name: 'imports',
  graphql: () => import('./imports.graphql.ts'),
  jobs: [importJob],
};
