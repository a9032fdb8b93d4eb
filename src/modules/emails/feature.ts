import type { Feature } from '../../lib/feature.ts';
import { emailsCleanup } from './emails.cleanup.ts';
import { confirmationEmailJob } from './emails.jobs.ts';
import { emailsPersonalData } from './personal-data.ts';

/** Confirmation emails and their log. */
export const feature: Feature = {
  name: 'emails',
  graphql: () => import('./emails.graphql.ts'),
  jobs: [confirmationEmailJob],
  cleanup: emailsCleanup,
  personalData: emailsPersonalData,
};
