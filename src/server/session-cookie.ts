import { parse, serialize } from 'hono/utils/cookie';

/**
 * Browser sessions for the dashboard: the session token in an HttpOnly cookie, so no script — ours or anyone's —
 * can read it, and nothing in localStorage. Everything else about the session is the Bearer token's: same
 * expiry, same revocation, same roles.
 *
 * - Set only when asked: a request carrying `X-EventoGate-Session: cookie` that starts a session (signUp, logIn,
 *   acceptInvitation, resetPassword, switchOrganisation) gets `Set-Cookie: eg_session=…; HttpOnly; SameSite=Strict;
 *   Path=/graphql` (`Secure` when PUBLIC_URL is https). Scripts and integrators that never send the header never
 *   get a cookie. logOut clears it.
 * - Used only by requests that could not have been forged by another site: no Authorization or X-API-Key header
 *   (an explicit credential always wins), the same marker header (HTTP; a page of another origin cannot send it
 *   without a CORS preflight, which /graphql refuses), and an Origin naming this server when the browser sends one
 *   (always on a WebSocket handshake, which cannot carry custom headers). SameSite=Strict keeps the cookie off
 *   every request another site starts anyway.
 */
export const SESSION_COOKIE = 'eg_session';
export const SESSION_COOKIE_HEADER = 'x-eventogate-session';

/** The subset of request headers the decision needs (from a fetch Request or a WebSocket upgrade). */
export interface CookieRequestHeaders {
  cookie: string | null;
  origin: string | null;
  host: string | null;
  /** `X-EventoGate-Session`; absent on WebSocket handshakes. */
  marker: string | null;
}

/**
 * `Bearer <token>` from the session cookie, when this request may use it; null otherwise. `transport` is 'ws' for
 * a graphql-ws handshake, whose Origin is mandatory in browsers and stands in for the marker header.
 */
export function cookieAuthorization(headers: CookieRequestHeaders, options: { publicUrl: string; transport: 'http' | 'ws' }): string | null {
  if (!headers.cookie) return null;
  const token = parse(headers.cookie, SESSION_COOKIE)[SESSION_COOKIE];
  if (!token) return null;
  if (options.transport === 'http' && headers.marker?.toLowerCase() !== 'cookie') return null;
  if (options.transport === 'ws' && !headers.origin) return null;
  if (headers.origin && !sameOrigin(headers.origin, headers.host, options.publicUrl)) return null;
  return `Bearer ${token}`;
}

function sameOrigin(origin: string, host: string | null, publicUrl: string): boolean {
  try {
    const url = new URL(origin);
    return url.origin === new URL(publicUrl).origin || (host !== null && url.host === host);
  } catch {
    return false;
  }
}

/** What a GraphQL operation did to the browser's session; the HTTP transport turns it into Set-Cookie headers. */
export interface SessionCookieJar {
  /** A session started: the browser keeps its token (only if the request asked for a cookie). */
  issue(token: string, expiresAt: Date): void;
  /** The session ended: the browser forgets it. */
  clear(): void;
}

export function sessionCookieJar(options: { wanted: boolean; secure: boolean }): SessionCookieJar & { headers(): string[] } {
  const headers: string[] = [];
  const attributes = { httpOnly: true, sameSite: 'Strict', path: '/graphql', secure: options.secure } as const;
  return {
    issue(token, expiresAt) {
      if (!options.wanted) return;
      const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
      headers.push(serialize(SESSION_COOKIE, token, { ...attributes, maxAge }));
    },
    clear() {
      headers.push(serialize(SESSION_COOKIE, '', { ...attributes, maxAge: 0 }));
    },
    headers: () => headers,
  };
}
