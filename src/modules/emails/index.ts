import type { Feature } from '../../lib/feature.ts';
import { confirmationEmailJob } from './emails.jobs.ts';

/** Confirmation emails and their log. */
export const feature: Feature = {
  name: 'emails',
  graphql: () => import('./emails.graphql.ts'),
  jobs: [confirmationEmailJob],
};
