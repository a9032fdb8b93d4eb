import type { Deps } from '../deps.ts';
import type { Actor } from '../lib/actor.ts';
import type { SessionCookieJar } from '../server/session-cookie.ts';

export interface GraphQLContext {
  deps: Deps;
  actor: Actor;
  requestId: string;
  /** The TCP peer, for per-address limits (log-in, sign-up…). */
  clientIp: string;
  /** Aborted when an HTTP client goes away (SSE subscriptions end with it); absent over graphql-ws. */
  signal?: AbortSignal;
  /** graphql-ws: the socket this operation travels on (live subscriptions are capped per socket). */
  connection?: object;
  /** HTTP only: the browser's session cookie, set when a session starts and cleared when it ends. */
  sessionCookie?: SessionCookieJar;
}
