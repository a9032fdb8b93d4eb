import type { IncomingMessage } from 'node:http';
import { createYoga } from 'graphql-yoga';
import type { Deps } from '../deps.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { maskGraphQLError, useAppErrors } from '../graphql/errors.ts';
import { armor, useApiKeyBudget, useSingleUseFields, useSuggestionsOnlyForAuthenticated } from '../graphql/limits.ts';
import { schema } from '../graphql/schema.ts';
import { requestIdFrom } from '../lib/request-context.ts';
import type { Actor } from '../modules/auth/actor.ts';
import { authenticate } from '../modules/auth/auth.service.ts';
import type { RateLimiter } from '../rest/rate-limit.ts';

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;

/** What the HTTP and WebSocket transports know before GraphQL runs. */
export interface GraphQLServerContext {
  requestId?: string;
  /** The TCP peer (EventoGate does not trust X-Forwarded-For). */
  clientIp?: string;
  /** Authenticated by the transport, once per request (limits and validation need it before execution). */
  actor?: Actor;
}

export function createGraphQLHandler(deps: Deps, options: { apiKeyLimiter: RateLimiter }) {
  return createYoga<GraphQLServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: { title: 'EventoGate GraphQL', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
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
    plugins: [armor(), useSingleUseFields(), useSuggestionsOnlyForAuthenticated(), useApiKeyBudget(options.apiKeyLimiter), useAppErrors(deps.logger)],
    logging: {
      debug: (...args) => deps.logger.debug({ yoga: args }, 'graphql'),
      info: (...args) => deps.logger.info({ yoga: args }, 'graphql'),
      warn: (...args) => deps.logger.warn({ yoga: args }, 'graphql'),
      error: (...args) => deps.logger.error({ yoga: args }, 'graphql'),
    },
    // HTTP requests carry their headers; graphql-ws subscriptions authenticate with connection_init's
    // payload ({"authorization": "Bearer …"}) or, failing that, the upgrade request's headers.
    context: async (initial) => {
      const ws = initial as unknown as { connectionParams?: Record<string, unknown>; extra?: { request: IncomingMessage } };
      const header = (name: string) => initial.request?.headers.get(name) ?? stringHeader(ws.extra?.request.headers[name]);
      const fromInit = ws.connectionParams?.authorization;
      return {
        deps,
        ...(initial.request && !ws.extra ? { signal: initial.request.signal } : {}),
        requestId: initial.requestId ?? requestIdFrom(header('x-request-id')),
        clientIp: initial.clientIp ?? ws.extra?.request.socket.remoteAddress ?? 'unknown',
        actor:
          initial.actor ??
          (await authenticate(deps, {
            authorization: typeof fromInit === 'string' ? fromInit : header('authorization'),
            apiKey: header('x-api-key'),
          })),
      };
    },
  });
}

const GRAPHIQL_DEFAULT_QUERY = `# Welcome to EventoGate. Sign up, then send the token as a header:
#   { "Authorization": "Bearer <token>" }
mutation SignUp {
  signUp(input: { email: "you@example.com", password: "a-long-password", name: "You", organisationName: "Acme Events" }) {
    token
    user { id email }
    organisation { id name }
  }
}
`;

function stringHeader(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
