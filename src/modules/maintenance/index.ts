import type { Feature } from '../../lib/feature.ts';
import { cleanupJob } from './maintenance.jobs.ts';

/** Cleanup of expired rows, on a schedule. */
export const feature: Feature = {
  name: 'maintenance',
  jobs: [cleanupJob],
};
