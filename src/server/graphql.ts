import type { IncomingMessage } from 'node:http';
import type { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphQLSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { Deps } from '../deps.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { maskGraphQLError, useAppErrors } from '../graphql/errors.ts';
import { armor, useApiKeyBudget, useSingleUseFields, useSuggestionsOnlyForAuthenticated } from '../graphql/limits.ts';
import { type Actor, inRequest } from '../lib/actor.ts';
import { authenticate, type Credentials } from '../lib/credentials.ts';
import { clientRequestIdFrom, newRequestId } from '../lib/request-context.ts';
import type { RateLimiter } from '../rest/rate-limit.ts';
import { useYieldingJsonBodies } from './json-body.ts';
import { cookieAuthorization, type SessionCookieJar } from './session-cookie.ts';

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;

/** What the HTTP and WebSocket transports know before GraphQL runs. */
export interface GraphQLServerContext {
  requestId?: string;
  /** The caller's own X-Request-Id (HTTP; over graphql-ws the upgrade request's). */
  clientRequestId?: string | null;
  /** The TCP peer (EventoGate does not trust X-Forwarded-For). */
  clientIp?: string;
  /** Authenticated by the transport, once per request (limits and validation need it before execution). */
  actor?: Actor;
  /** HTTP: the browser session cookie the response sets or clears. */
  sessionCookie?: SessionCookieJar;
}

export function createGraphQLHandler(deps: Deps, options: { schema: GraphQLSchema; apiKeyLimiter: RateLimiter; credentials: Credentials }) {
  return createYoga<GraphQLServerContext, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: '/graphql',
    graphiql: {
      title: 'EventoGate GraphQL',
      defaultQuery: GRAPHIQL_WALKTHROUGH,
      headers: GRAPHIQL_HEADERS,
      defaultEditorToolsVisibility: 'headers',
    },
    // GraphiQL from the package's bundled assets (no CDN): it works offline and leaks nothing to third parties.
    renderGraphiQL: renderLocalGraphiQL,
    landingPage: false,
    // Browsers may call /graphql only from CORS_ORIGINS (none by default): a session token in a page of another
    // origin must not be usable by that page.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && deps.config.corsOrigins.includes(origin)
        ? { origin, credentials: false, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'authorization', 'x-request-id'], maxAge: 600 }
        : false;
    },
    // useAppErrors maps errors where the request id is known; this catches anything that escapes it.
    maskedErrors: { maskError: (error) => maskGraphQLError(error, { logger: deps.logger, requestId: 'unknown' }) },
    plugins: [
      useYieldingJsonBodies(),
      armor(),
      useSingleUseFields(),
      useSuggestionsOnlyForAuthenticated(),
      useApiKeyBudget(options.apiKeyLimiter),
      useAppErrors(deps.logger),
    ],
    logging: {
      debug: (...args) => deps.logger.debug({ yoga: args }, 'graphql'),
      info: (...args) => deps.logger.info({ yoga: args }, 'graphql'),
      warn: (...args) => deps.logger.warn({ yoga: args }, 'graphql'),
      error: (...args) => deps.logger.error({ yoga: args }, 'graphql'),
    },
    // HTTP requests carry their headers; graphql-ws subscriptions authenticate with connection_init's
    // payload ({"authorization": "Bearer …"}) or, failing that, the upgrade request's headers.
    context: async (initial) => {
      const ws = initial as unknown as { connectionParams?: Record<string, unknown>; extra?: { request: IncomingMessage; socket?: object } };
      const header = (name: string) => initial.request?.headers.get(name) ?? stringHeader(ws.extra?.request.headers[name]);
      const fromInit = ws.connectionParams?.authorization;
      const requestId = initial.requestId ?? newRequestId();
      const clientRequestId = initial.requestId ? (initial.clientRequestId ?? null) : clientRequestIdFrom(header('x-request-id'));
      const actor = initial.actor ?? (await authenticate(deps, options.credentials, webSocketCredentials(deps, header, fromInit)));
      return {
        deps,
        ...(initial.sessionCookie ? { sessionCookie: initial.sessionCookie } : {}),
        ...(ws.extra?.socket ? { connection: ws.extra.socket } : {}),
        ...(initial.request && !ws.extra ? { signal: initial.request.signal } : {}),
        requestId,
        clientIp: initial.clientIp ?? ws.extra?.request.socket.remoteAddress ?? 'unknown',
        actor: inRequest(actor, requestId, clientRequestId),
      };
    },
  });
}

/** The default tab: EventoGate in three steps, each operation runnable by name with ▶. */
const GRAPHIQL_WALKTHROUGH = `# Welcome to EventoGate. The dashboard is at /dashboard; this is the GraphQL API it uses.
#
# 1. Run "LogIn" (▶, then pick it) with the demo owner's login, which \`npm start\` printed on its first start
#    (\`npx eventogate demo show\` prints it again), or with your own account.
#    The header below (X-EventoGate-Session: cookie) keeps the session in an HttpOnly cookie of this browser,
#    as the dashboard does: nothing to paste. Already logged in to the dashboard here? Skip to 2.
# 2. Run "Viewer" (who you are), then "Events" (the demo event and its numbers).
# 3. "CreateEvent" makes another event, with its default ticket type.
#
# Scripts send the token LogIn answers instead: { "Authorization": "Bearer <token>" }.
# Integrators use REST v1 with API keys (Settings → API Keys in the dashboard, or createApiKey).

mutation LogIn {
  logIn(input: { email: "demo@eventogate.local", password: "<the demo password>" }) {
    user { email }
    organisation { id name }
  }
}

query Viewer {
  viewer {
    role
    user { email emailVerifiedAt }
    organisation { id name }
  }
}

query Events {
  events(first: 10) {
    totalCount
    edges { node { id name startsAt stats { registered checkedIn capacityRemaining } } }
  }
}

mutation CreateEvent {
  createEvent(input: { name: "Launch party", startsAt: "2027-06-01T18:00:00Z", endsAt: "2027-06-01T23:00:00Z", timezone: "Europe/Berlin", capacity: 100 }) {
    id
    name
    status
    ticketTypes { slug remaining }
    stats { registered capacityRemaining }
  }
}
`;

const GRAPHIQL_HEADERS = JSON.stringify({ 'X-EventoGate-Session': 'cookie' }, null, 2);

let graphiqlPage: Promise<string> | undefined;

/**
 * The page embeds ~9 MB of GraphiQL, and its module holds ~30 MB of V8 heap once loaded: it is loaded on the first
 * GraphiQL request, not at start (most processes never serve one), and rendered once (the options never change).
 */
function renderLocalGraphiQL(options: Parameters<typeof renderGraphiQL>[0]): Promise<string> {
  graphiqlPage ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options));
  return graphiqlPage;
}

/**
 * A graphql-ws operation's credentials: connection_init's `authorization`, else the upgrade request's
 * Authorization or X-API-Key header, else a dashboard's session cookie (same-origin handshakes only).
 */
export function webSocketCredentials(
  deps: Pick<Deps, 'config'>,
  header: (name: string) => string | null,
  fromInit: unknown,
): { authorization: string | null; apiKey: string | null } {
  if (typeof fromInit === 'string') return { authorization: fromInit, apiKey: null };
  const authorization = header('authorization');
  const apiKey = header('x-api-key');
  if (authorization || apiKey) return { authorization, apiKey };
  const cookie = cookieAuthorization(
    { cookie: header('cookie'), origin: header('origin'), host: header('host'), marker: null },
    { publicUrl: deps.config.publicUrl, transport: 'ws' },
  );
  return { authorization: cookie, apiKey: null };
}

function stringHeader(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
