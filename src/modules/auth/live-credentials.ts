import type { Deps } from '../../deps.ts';
import type { AuthenticatedActor } from '../../lib/actor.ts';
import { Channel } from '../../lib/channel.ts';
import { unauthenticated } from '../../lib/errors.ts';

/** The last value of a subscription whose credential stopped being valid (see `liveValue`). */
export const REVOKED = Symbol('credential revoked');
export type Revoked = typeof REVOKED;

/**
 * A subscription's stream, bound to the credential that opened it: `start` connects the source (pushing into the
 * channel) and returns how to disconnect it. When the credential is revoked (or its session expires), the
 * subscriber gets one last value that `liveValue` turns into an UNAUTHENTICATED error, and the stream completes.
 */
export function credentialBoundChannel<T>(
  /**
   * `signal`: an HTTP (SSE) subscriber's request, whose stream ends when the client goes away, not at the next write.
   * `connection`: the graphql-ws socket it travels on (live subscriptions are capped per socket).
   */
  {
    deps,
    signal,
    connection,
  }: { deps: Pick<Deps, 'pubsub' | 'prisma' | 'logger' | 'liveLimits' | 'credentialWatch'>; signal?: AbortSignal | undefined; connection?: object | undefined },
  actor: AuthenticatedActor,
  start: (push: (value: T) => void) => () => void,
): Channel<T | Revoked> {
  // Over a cap: refused (RATE_LIMITED) before anything is started.
  const release = deps.liveLimits.acquire({ socket: connection, credential: credentialKey(actor), organisationId: actor.organisationId });
  const channel = new Channel<T | Revoked>();
  channel.onClose(release);
  if (signal) {
    const leave = () => void channel.return();
    if (signal.aborted) leave();
    else {
      signal.addEventListener('abort', leave, { once: true });
      channel.onClose(() => signal.removeEventListener('abort', leave));
    }
  }
  const stop = start((value) => channel.push(value));
  const unwatch = deps.credentialWatch.watch(actor, () => {
    channel.push(REVOKED);
    channel.end();
  });
  channel.onClose(() => {
    stop();
    unwatch();
  });
  return channel;
}

/** In a subscription's resolver: the value, or the error that ends a revoked credential's subscription. */
export function liveValue<T>(value: T | Revoked): T {
  if (value === REVOKED) throw unauthenticated('The credential of this subscription is no longer valid (revoked, logged out, expired or removed).');
  return value;
}

/** The credential a live subscription is counted against (one session, one API key). */
export function credentialKey(actor: AuthenticatedActor): string {
  return actor.kind === 'user' ? `session:${actor.sessionId}` : `key:${actor.apiKeyId}`;
}
