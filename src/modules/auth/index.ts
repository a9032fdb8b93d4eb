import type { Feature } from '../../lib/feature.ts';
import { accountEmailJob } from './account-emails.ts';

/** Accounts, sessions, invitations and the credentials every request is authenticated with. */
export const feature: Feature = {
  name: 'auth',
  graphql: () => import('./auth.graphql.ts'),
  jobs: [accountEmailJob],
};
