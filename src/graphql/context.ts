import type { Deps } from '../deps.ts';
import type { Actor } from '../modules/auth/actor.ts';

export interface GraphQLContext {
  deps: Deps;
  actor: Actor;
  requestId: string;
  /** The TCP peer, for per-address limits (log-in, sign-up…). */
  clientIp: string;
  /** Aborted when an HTTP client goes away (SSE subscriptions end with it); absent over graphql-ws. */
  signal?: AbortSignal;
}
