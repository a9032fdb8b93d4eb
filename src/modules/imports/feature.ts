import type { Feature } from '../../lib/feature.ts';
import { MAX_IMPORT_BYTES } from './import-csv.ts';
import { importJob } from './imports.jobs.ts';
import { importsPersonalData } from './personal-data.ts';

/** CSV imports of attendees. */
export const feature: Feature = {
  name: 'imports',
  graphql: () => import('./imports.graphql.ts'),
  jobs: [importJob],
  // importAttendees carries a CSV of up to MAX_IMPORT_BYTES, and room for the rest of the request.
  graphqlBodyBytes: MAX_IMPORT_BYTES + 1024 * 1024,
  personalData: importsPersonalData,
};
