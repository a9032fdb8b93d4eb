import type { Feature } from '../../lib/feature.ts';
import { retentionJob } from './privacy.jobs.ts';

/** Personal data: erasure, export, retention, the audit log's reads. */
export const feature: Feature = {
  name: 'privacy',
  graphql: () => import('./privacy.graphql.ts'),
  jobs: [retentionJob],
};
