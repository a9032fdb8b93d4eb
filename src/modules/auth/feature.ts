import type { Feature } from '../../lib/feature.ts';
import { UsageTracker } from '../../lib/usage-tracker.ts';
import { type AbuseLimits, createAbuseLimits } from './abuse-limits.ts';
import { accountEmailJob } from './account-emails.ts';
import { authCleanup, authenticateSession, looksLikeSessionToken } from './auth.service.ts';
import { CredentialWatch } from './credential-watch.ts';

declare module '../../lib/services.ts' {
  interface Services {
    /** last_used_at of sessions, written in batches. */
    sessionUsage: UsageTracker;
    /** Revoked credentials end live subscriptions on every process. */
    credentialWatch: CredentialWatch;
    /** Budgets against guessing and flooding (log-in, sign-up, resets, invitations, test webhooks). */
    abuseLimits: AbuseLimits;
  }
}

/** Accounts, sessions, invitations and the credentials every request is authenticated with. */
export const feature: Feature = {
  name: 'auth',
  graphql: () => import('./auth.graphql.ts'),
  jobs: [accountEmailJob],
  cleanup: authCleanup,
  credentials: { session: { matches: looksLikeSessionToken, authenticate: authenticateSession } },
  services: async (deps, { lifecycle, receive }) => {
    deps.sessionUsage = new UsageTracker(deps.prisma, deps.logger, 'sessions');
    lifecycle.onStop('services', 'session usage', () => deps.sessionUsage.close());
    deps.abuseLimits = createAbuseLimits(deps);
    deps.credentialWatch = new CredentialWatch(deps);
    // Every process publishes revocations; those that serve subscriptions also hear them.
    if (receive) {
      await deps.credentialWatch.start();
      lifecycle.onStop('services', 'credential watch', () => deps.credentialWatch.close());
    }
  },
};
