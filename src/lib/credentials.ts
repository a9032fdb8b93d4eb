import type { Deps } from '../deps.ts';
import type { Actor, DeviceActor } from './actor.ts';

/**
 * The credentials the kernel accepts, each checked by the feature that issues it — API keys (api-keys), dashboard
 * sessions (auth), scanner devices (door) — so the kernel authenticates a request without knowing any of them.
 * Features declare theirs (`Feature.credentials`); the app joins them into one `Credentials`.
 */
export interface TokenCheck {
  /** Whether a presented token is of this kind (by its prefix); only then is it looked up. */
  matches(token: string): boolean;
  /** The actor the token stands for, or an anonymous actor naming why not (revoked, expired…). */
  authenticate(deps: Deps, token: string): Promise<Actor>;
}

export interface Credentials {
  /** API keys: REST v1, and GraphQL as `Authorization: Bearer` or `X-API-Key`. */
  apiKey: TokenCheck;
  /** Dashboard sessions: GraphQL as `Authorization: Bearer` or the session cookie. */
  session: TokenCheck;
  /**
   * Scanner devices (the /v1/scanner routes): the device, or UNAUTHENTICATED with the documented message. Records
   * the device's pending upload count when one is given.
   */
  device: { authenticate(deps: Deps, authorization: string | undefined, pendingUploads?: number): Promise<DeviceActor> };
}

/** The features' credential checks as one; each kind must be declared by exactly one feature. */
export function joinCredentials(parts: ReadonlyArray<{ name: string; credentials?: Partial<Credentials> | undefined }>): Credentials {
  const joined: Partial<Record<keyof Credentials, { from: string; check: unknown }>> = {};
  for (const part of parts) {
    for (const [kind, check] of Object.entries(part.credentials ?? {}) as Array<[keyof Credentials, unknown]>) {
      const earlier = joined[kind];
      if (earlier) throw new Error(`Both ${earlier.from} and ${part.name} declare the ${kind} credential.`);
      joined[kind] = { from: part.name, check };
    }
  }
  const kinds: Array<keyof Credentials> = ['apiKey', 'session', 'device'];
  const missing = kinds.filter((kind) => !joined[kind]);
  if (missing.length > 0) throw new Error(`No feature declares the ${missing.join(', ')} credential.`);
  return Object.fromEntries(kinds.map((kind) => [kind, joined[kind]!.check])) as unknown as Credentials;
}

/**
 * Who a GraphQL request or socket acts for: an `Authorization: Bearer` token (an API key or a session) or the
 * legacy `X-API-Key` header. No credential is anonymous; one of no known kind is an invalid session.
 */
export async function authenticate(deps: Deps, credentials: Credentials, headers: { authorization?: string | null; apiKey?: string | null }): Promise<Actor> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  const token = bearer ?? headers.apiKey?.trim() ?? null;
  if (!token) return { kind: 'anonymous', rejected: headers.authorization ? 'invalid_session' : null };
  if (credentials.apiKey.matches(token)) return await credentials.apiKey.authenticate(deps, token);
  if (credentials.session.matches(token)) return await credentials.session.authenticate(deps, token);
  return { kind: 'anonymous', rejected: 'invalid_session' };
}
