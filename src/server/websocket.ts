import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Deps } from '../deps.ts';
import { withoutSuggestions } from '../graphql/limits.ts';
import { authenticate, type Credentials } from '../lib/credentials.ts';
import { type GraphQLHandler, webSocketCredentials } from './graphql.ts';

type EnvelopedArgs = ExecutionArgs & { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

/** A graphql-ws frame (one message) may carry at most this many bytes; ws's default is 100 MiB. */
export const MAX_WEBSOCKET_FRAME_BYTES = 1024 * 1024;

export interface WebSocketLimits {
  perIp: number;
  perOrganisation: number;
}

/**
 * GraphQL over WebSocket (graphql-transport-ws) on the same path as HTTP GraphQL, running every operation
 * through yoga's envelop (same schema, plugins, context and error masking) — yoga's graphql-ws example.
 *
 * Bounded: frames of at most 1 MB (a bigger one closes the socket with 1009), at most `perIp` sockets from one
 * client address (the upgrade is refused with 429 beyond it), at most `perOrganisation` authenticated sockets of
 * one organisation (connection_init is refused with 4429), per process. graphql-ws closes a socket that does not
 * send connection_init within 3 s.
 */
export function attachGraphQLWebSocket(
  server: Server,
  yoga: GraphQLHandler,
  deps: Deps,
  limits: WebSocketLimits,
  credentials: Credentials,
): { close: () => Promise<void>; connections: () => number } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WEBSOCKET_FRAME_BYTES });
  const byIp = new Map<string, number>();
  const byOrganisation = new Map<string, number>();
  const organisationOf = new WeakMap<object, string>();
  const count = (map: Map<string, number>, key: string, delta: number) => {
    const next = (map.get(key) ?? 0) + delta;
    if (next <= 0) map.delete(key);
    else map.set(key, next);
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== yoga.graphqlEndpoint) return;
    const ip = request.socket.remoteAddress ?? 'unknown';
    if ((byIp.get(ip) ?? 0) >= limits.perIp) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    count(byIp, ip, 1);
    socket.once('close', () => count(byIp, ip, -1));
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer(
    {
      // onSubscribe's args carry yoga's enveloped execute/subscribe (plugins included); run those.
      execute: (args) => (args as EnvelopedArgs).execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).subscribe(args) as never,
      onConnect: async (ctx) => {
        const sent = webSocketCredentials(deps, upgradeHeader(ctx.extra.request), ctx.connectionParams?.authorization);
        if (!sent.authorization && !sent.apiKey) return true;
        const actor = await authenticate(deps, credentials, sent);
        if (actor.kind === 'anonymous') return true;
        if ((byOrganisation.get(actor.organisationId) ?? 0) >= limits.perOrganisation) {
          ctx.extra.socket.close(4429, 'Too many connections for this organisation');
          return false;
        }
        count(byOrganisation, actor.organisationId, 1);
        organisationOf.set(ctx.extra.socket, actor.organisationId);
        return true;
      },
      onClose: (ctx) => {
        const organisationId = organisationOf.get(ctx.extra.socket);
        if (organisationId) count(byOrganisation, organisationId, -1);
      },
      onSubscribe: async (ctx, _id, payload) => {
        // Authenticated for every operation (not once per socket): a credential revoked meanwhile is refused.
        const actor = await authenticate(deps, credentials, webSocketCredentials(deps, upgradeHeader(ctx.extra.request), ctx.connectionParams?.authorization));
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          actor,
          clientIp: ctx.extra.request.socket.remoteAddress ?? 'unknown',
        });
        const document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length > 0) return actor.kind === 'anonymous' ? withoutSuggestions(errors) : errors;
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
  return {
    close: async () => {
      server.off('upgrade', onUpgrade);
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    connections: () => wss.clients.size,
  };
}

/** A header of the WebSocket upgrade request (Node lower-cases their names). */
function upgradeHeader(request: IncomingMessage): (name: string) => string | null {
  return (name) => {
    const value = request.headers[name];
    return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
  };
}
