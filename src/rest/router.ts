import type { Hono, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Deps } from '../deps.ts';
import type { Credentials } from '../lib/credentials.ts';
import type { AppEnv } from './context.ts';
import { limitByClientIp, requireApiKey, requireDevice } from './middleware.ts';
import { openApiDocument } from './openapi.ts';
import type { RateLimiters } from './rate-limit.ts';
import { honoPath, type RestRoute } from './route.ts';

/** REST v1: the features' routes, each with the credential and budget its declaration names, and their OpenAPI document. */
export function mountRest(app: Hono<AppEnv>, deps: Deps, options: { limiters: RateLimiters; routes: readonly RestRoute[]; credentials: Credentials }): void {
  const { limiters, routes, credentials } = options;
  app.get('/v1/openapi.json', (c) => c.json(openApiDocument(routes, deps.config.publicUrl)));
  // The public form is called from browsers on any site.
  app.use(
    '/v1/public/*',
    cors({
      origin: '*',
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Content-Type'],
      exposeHeaders: ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-Id', 'Location'],
      maxAge: 600,
    }),
  );
  const apiKey = requireApiKey(deps, limiters, credentials.apiKey);
  const device = requireDevice(deps, limiters, credentials.device);
  for (const route of routes) {
    const guards: MiddlewareHandler<AppEnv>[] = [];
    if (route.auth === 'apiKey') guards.push(apiKey);
    if (route.auth === 'device') guards.push(device);
    if (route.limit) guards.push(limitByClientIp(limiters[route.limit]));
    app.on(route.method.toUpperCase(), [honoPath(route.path)], ...guards, (c) => route.handle(c, deps));
  }
}
