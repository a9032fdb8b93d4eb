import { type Context, Hono } from 'hono';
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
export function createHttpApp(
  deps: Deps,
  options: { serveApi: boolean; rateLimiters: RateLimiters; health: Health },
): { app: Hono<AppEnv>; graphql: GraphQLHandler | null } {
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

  // /livez: the process is up (restart it only if this fails). /readyz: it can do its work now (database
  // reachable, every migration this code knows applied, not shutting down); load balancers route by it.
  // /healthz (CONTRACT §10) is readiness too, for compatibility.
  app.get('/livez', (c) => c.json({ status: 'ok', role: deps.config.role }));
  const ready = async (c: Context<AppEnv>) => {
    const reason = await notReadyReason(deps, options.health);
    if (reason) return c.json({ status: 'unavailable', role: deps.config.role, reason }, 503, { 'Retry-After': '5' });
    return c.json({ status: 'ok', role: deps.config.role });
  };
  app.get('/readyz', ready);
  app.get('/healthz', ready);

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

export interface Health {
  stopping(): boolean;
  /** Every migration this code knows; readiness requires them all applied. */
  migrations: string[];
}

async function notReadyReason(deps: Deps, health: Health): Promise<string | null> {
  if (health.stopping()) return 'shutting down';
  try {
    const { rows } = await deps.pool.query<{ applied: number }>(
      'SELECT count(*)::int AS applied FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL AND migration_name = ANY($1::text[])',
      [health.migrations],
    );
    if ((rows[0]?.applied ?? 0) < health.migrations.length) return 'migrations not applied';
  } catch {
    return 'database unreachable';
  }
  return null;
}
