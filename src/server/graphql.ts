import type { IncomingMessage } from 'node:http';
import { createYoga } from 'graphql-yoga';
import type { Deps } from '../deps.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { maskGraphQLError, useAppErrors } from '../graphql/errors.ts';
import { schema } from '../graphql/schema.ts';
import { requestIdFrom } from '../lib/request-context.ts';
import { authenticate } from '../modules/auth/auth.service.ts';

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;

export function createGraphQLHandler(deps: Deps) {
  return createYoga<{ requestId?: string }, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: { title: 'EventoGate GraphQL', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
    landingPage: false,
    // useAppErrors maps errors where the request id is known; this catches anything that escapes it.
    maskedErrors: { maskError: (error) => maskGraphQLError(error, { logger: deps.logger, requestId: 'unknown' }) },
    plugins: [useAppErrors(deps.logger)],
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
        requestId: initial.requestId ?? requestIdFrom(header('x-request-id')),
        actor: await authenticate(deps, {
          authorization: typeof fromInit === 'string' ? fromInit : header('authorization'),
          apiKey: header('x-api-key'),
        }),
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
