import { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import { requestIdFrom } from '../lib/request-context.ts';
import { jsonResponse } from '../rest/body.ts';
import type { AppEnv } from '../rest/context.ts';
import { toRestError } from '../rest/errors.ts';
import type { RateLimiters } from '../rest/rate-limit.ts';
import { mountRest } from '../rest/router.ts';
import { createGraphQLHandler, type GraphQLHandler } from './graphql.ts';

/**
 * The HTTP surface: request ids and health for every role; GraphQL and REST v1 for processes that serve
 * the API (ROLE all or api).
 */
export function createHttpApp(deps: Deps, options: { serveApi: boolean; rateLimiters: RateLimiters }): { app: Hono<AppEnv>; graphql: GraphQLHandler | null } {
  const app = new Hono<AppEnv>();
  const graphql = options.serveApi ? createGraphQLHandler(deps) : null;

  app.use('*', async (c, next) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('responseHeaders', { 'X-Request-Id': requestId });
    await next();
    if (c.get('responseHeadersApplied')) return;
    try {
      for (const [name, value] of Object.entries(c.get('responseHeaders'))) c.res.headers.set(name, value);
    } catch {
      // Some responses carry immutable headers; copy them into a mutable response.
      c.res = new Response(c.res.body, c.res);
      for (const [name, value] of Object.entries(c.get('responseHeaders'))) c.res.headers.set(name, value);
    }
  });

  app.get('/healthz', async (c) => {
    try {
      await deps.prisma.$queryRaw`SELECT 1`;
      return c.json({ status: 'ok', role: deps.config.role });
    } catch {
      return c.json({ status: 'unavailable', role: deps.config.role, reason: 'database unreachable' }, 503);
    }
  });

  if (graphql) {
    app.on(['GET', 'POST', 'OPTIONS'], '/graphql', (c) => graphql.fetch(c.req.raw, { requestId: c.get('requestId') }));
    mountRest(app, deps, options.rateLimiters);
  }

  app.notFound((c) => c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}.` }, 404));

  app.onError((error, c) => {
    const requestId = c.get('requestId');
    const mapped = toRestError(error, requestId);
    if (mapped.status >= 500) deps.logger.error({ err: error, requestId, method: c.req.method, path: c.req.path }, 'unhandled error');
    return jsonResponse(c, mapped.body, mapped.status, mapped.headers);
  });

  return { app, graphql };
}
