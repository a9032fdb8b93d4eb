import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

type EnvelopedArgs = ExecutionArgs & { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

import type { GraphQLHandler } from './graphql.ts';

/**
 * GraphQL over WebSocket (graphql-transport-ws) on the same path as HTTP GraphQL, running every operation
 * through yoga's envelop (same schema, plugins, context and error masking) — yoga's graphql-ws example.
 */
export function attachGraphQLWebSocket(server: Server, yoga: GraphQLHandler): () => Promise<void> {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer(
    {
      // onSubscribe's args carry yoga's enveloped execute/subscribe (plugins included); run those.
      execute: (args) => (args as EnvelopedArgs).execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        const document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const args: EnvelopedArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          execute,
          subscribe,
        };
        return args;
      },
    },
    wss,
  );
  return async () => {
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
