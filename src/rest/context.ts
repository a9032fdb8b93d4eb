import type { IncomingMessage } from 'node:http';
import type { AuthenticatedActor, DeviceActor } from '../lib/actor.ts';

/** Hono variables every request carries (request id) and what REST middleware adds (the API key actor). */
export type AppEnv = {
  /** From hono's Node adapter: the Node request itself (absent when the app is called in memory, as in `app.request`). */
  Bindings: { incoming?: IncomingMessage };
  Variables: {
    requestId: string;
    /** The caller's own X-Request-Id, if any (kept beside ours, never instead of it). */
    clientRequestId: string | null;
    actor: AuthenticatedActor & { kind: 'apiKey' };
    /** On /v1/scanner/* routes: the scanner device the token belongs to. */
    device: DeviceActor;
    /**
     * Headers every response to this request carries (X-Request-Id, RateLimit-*), gathered by middleware
     * before the handler runs. `jsonResponse` puts them into the response it builds (one plain object: the
     * node adapter's fast path); for any other response they are set afterwards.
     */
    responseHeaders: Record<string, string>;
    responseHeadersApplied: boolean;
    /** Who the request acts for, as the access log names it (ids only). */
    principal: Principal;
  };
};

export interface Principal {
  organisationId: string;
  apiKeyId?: string;
  userId?: string;
  deviceId?: string;
}

export function principalOf(actor: AuthenticatedActor): Principal {
  return actor.kind === 'apiKey'
    ? { organisationId: actor.organisationId, apiKeyId: actor.apiKeyId }
    : { organisationId: actor.organisationId, userId: actor.userId };
}
