import type { Feature } from '../../lib/feature.ts';
import { accountEmailJob } from './account-emails.ts';
import { authCleanup, authenticateSession, looksLikeSessionToken } from './auth.service.ts';

/** Accounts, sessions, invitations and the credentials every request is authenticated with. */
export const feature: Feature = {
  name: 'auth',
  graphql: () => import('./auth.graphql.ts'),
  jobs: [accountEmailJob],
  cleanup: authCleanup,
  credentials: { session: { matches: looksLikeSessionToken, authenticate: authenticateSession } },
};
