import { SpanKind } from '@opentelemetry/api';
import { type Context, Hono } from 'hono';
import { routePath } from 'hono/route';
import type pg from 'pg';
import { unavailableReason } from '../db/availability.ts';
import { countAppliedMigrations } from '../db/health.sql.ts';
import type { Deps } from '../deps.ts';
import { authenticate, type Credentials } from '../lib/credentials.ts';
import { constantTimeEqual, sha256Hex } from '../lib/crypto.ts';
import { AppError } from '../lib/errors.ts';
import { clientRequestIdFrom, newRequestId } from '../lib/request-context.ts';
import { extractContext, inSpan, tracingEnabled } from '../lib/tracing.ts';
import { jsonResponse, readBodyLimited } from '../rest/body.ts';
import type { AppEnv } from '../rest/context.ts';
import { principalOf } from '../rest/context.ts';
import { toRestError } from '../rest/errors.ts';
import { clientIp } from '../rest/middleware.ts';
import type { RateLimiters } from '../rest/rate-limit.ts';
import type { RestRoute } from '../rest/route.ts';
import { mountRest } from '../rest/router.ts';
import type { GraphQLHandler } from './graphql.ts';
import type { AppMetrics } from './metrics.ts';
import { cookieAuthorization, SESSION_COOKIE_HEADER, sessionCookieJar } from './session-cookie.ts';

/**
 * The HTTP surface: request ids and health for every role; GraphQL and REST v1 for processes that serve
 * the API (ROLE all or api).
 */
export function createHttpApp(
  deps: Deps,
  options: {
    /** The API this process serves (ROLE all or api): the GraphQL schema and the REST routes; null for a worker. */
    api: Api | null;
    rateLimiters: RateLimiters;
    health: Health;
    metrics: AppMetrics;
  },
): { app: Hono<AppEnv>; graphql: GraphQLHandler | null } {
  const app = new Hono<AppEnv>();
  const api = options.api;
  const graphql = api?.graphql ?? null;

  app.use('*', async (c, next) => {
    const started = performance.now();
    const requestId = newRequestId();
    c.set('requestId', requestId);
    c.set('clientRequestId', clientRequestIdFrom(c.req.header('x-request-id')));
    // Every answer may carry personal data, tokens or secrets: never cached, never sniffed, no referrer leaked.
    c.set('responseHeaders', { 'X-Request-Id': requestId, ...SECURITY_HEADERS });
    if (tracingEnabled()) {
      // The request's span, continuing the caller's trace (traceparent); named by its route once that is known.
      await inSpan(c.req.method, { kind: SpanKind.SERVER, parent: extractContext(c.req.raw.headers) }, async (span) => {
        await next();
        const route = routeOf(c);
        span?.updateName(`${c.req.method} ${route}`);
        span?.setAttributes({ 'http.request.method': c.req.method, 'http.route': route, 'http.response.status_code': c.res.status, 'request.id': requestId });
      });
    } else await next();
    accessLog(deps, options.metrics, c, started);
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
    const reason = await notReadyReason(options.health);
    if (reason) return c.json({ status: 'unavailable', role: deps.config.role, reason }, 503, { 'Retry-After': '5' });
    return c.json({ status: 'ok', role: deps.config.role });
  };
  app.get('/readyz', ready);
  app.get('/healthz', ready);
  // Counts across every tenant: on its own port when METRICS_PORT is set; otherwise here, behind METRICS_TOKEN, or
  // without one only while the server listens on a loopback address (nobody else can reach it then).
  if (!deps.config.metricsPort && (deps.config.metricsToken || isLoopbackHost(deps.config.host))) app.get('/metrics', metricsHandler(deps, options.metrics));

  if (api && graphql) {
    app.on(['GET', 'POST', 'OPTIONS'], '/graphql', async (c) => {
      let request = c.req.raw;
      let body: Uint8Array | undefined;
      if (c.req.method === 'POST') {
        // Counted while it streams (an import's CSV travels here, so the limit is the CSV's plus room).
        try {
          body = await readBodyLimited(c.req.raw, Math.max(MAX_GRAPHQL_BODY_BYTES, api.graphqlBodyBytes), c.env?.incoming);
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== 'PAYLOAD_TOO_LARGE') throw error;
          return c.json({ errors: [{ message: error.message, extensions: { code: 'BAD_USER_INPUT', reason: 'PAYLOAD_TOO_LARGE' } }] }, 413, error.headers);
        }
        request = new Request(c.req.raw.url, { method: 'POST', headers: c.req.raw.headers, body: body as BodyInit, signal: c.req.raw.signal });
      }
      const explicit = c.req.header('authorization') ?? null;
      const apiKey = c.req.header('x-api-key') ?? null;
      const fromCookie = explicit || apiKey ? null : cookieAuthorization(cookieHeadersOf(c), { publicUrl: deps.config.publicUrl, transport: 'http' });
      const actor = await authenticate(deps, api.credentials, { authorization: explicit ?? fromCookie, apiKey });
      if (actor.kind !== 'anonymous') c.set('principal', principalOf(actor));
      const sessionCookie = sessionCookieJar({
        wanted: c.req.header(SESSION_COOKIE_HEADER)?.toLowerCase() === 'cookie',
        secure: deps.config.publicUrl.startsWith('https:'),
      });
      // A cookie whose session ended (expired, revoked, logged out elsewhere): the browser forgets it.
      if (fromCookie && actor.kind === 'anonymous') sessionCookie.clear();
      const serverContext = { requestId: c.get('requestId'), clientRequestId: c.get('clientRequestId'), clientIp: clientIp(c), actor, sessionCookie };
      const fetched = tracingEnabled()
        ? await inSpan(`graphql ${operationNameOf(request, body)}`, {}, async () => await graphql.fetch(request, serverContext))
        : await graphql.fetch(request, serverContext);
      const cookies = sessionCookie.headers();
      const response = cookies.length > 0 ? new Response(fetched.body, fetched) : fetched;
      for (const cookie of cookies) response.headers.append('Set-Cookie', cookie);
      if (response.headers.get('content-type')?.startsWith('text/html')) {
        const page = new Response(response.body, response);
        page.headers.set('Content-Security-Policy', GRAPHIQL_CSP);
        return page;
      }
      return response;
    });
    mountRest(app, deps, { limiters: options.rateLimiters, routes: api.routes, credentials: api.credentials });
    for (const mount of api.pages) mount(app, deps);
  }

  app.notFound((c) => c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}.` }, 404));

  app.onError((error, c) => {
    const requestId = c.get('requestId');
    const mapped = toRestError(error, requestId);
    // A 503 is the database being away or full (or the server stopping), answered as documented: a warning naming
    // why, without a stack; it is not a bug.
    if (mapped.status === 503) {
      const reason = error instanceof AppError ? error.message : unavailableReason(error);
      deps.logger.warn({ requestId, method: c.req.method, path: c.req.path, reason }, 'answered 503');
    } else if (mapped.status >= 500) deps.logger.error({ err: error, requestId, method: c.req.method, path: c.req.path }, 'unhandled error');
    return jsonResponse(c, mapped.body, mapped.status, mapped.headers);
  });

  return { app, graphql };
}

function cookieHeadersOf(c: Context<AppEnv>) {
  return {
    cookie: c.req.header('cookie') ?? null,
    origin: c.req.header('origin') ?? null,
    host: c.req.header('host') ?? null,
    marker: c.req.header(SESSION_COOKIE_HEADER) ?? null,
  };
}

/** A GraphQL request's operation name for its span (from the JSON body or the query string). */
function operationNameOf(request: Request, body: Uint8Array | undefined): string {
  try {
    // Not worth parsing an import's CSV for a span name.
    if (body)
      return body.length > 256 * 1024 ? 'large' : ((JSON.parse(new TextDecoder().decode(body)) as { operationName?: string }).operationName ?? 'anonymous');
    return new URL(request.url).searchParams.get('operationName') ?? 'anonymous';
  } catch {
    return 'anonymous';
  }
}

/** The matched route's template (`/v1/events/:event_id/registrations`), or "unmatched". */
function routeOf(c: Context<AppEnv>): string {
  const matched = routePath(c);
  return matched === '*' || matched === '/*' ? 'unmatched' : matched;
}

/**
 * One line per request (route template, status, duration, request id, who: organisation and key or user id —
 * never bodies, query strings, emails or secrets) and the HTTP metrics. The duration is until the response
 * starts; a streamed CSV export may go on after it.
 */
function accessLog(deps: Deps, metrics: AppMetrics, c: Context<AppEnv>, started: number): void {
  const route = routeOf(c);
  const method = c.req.method;
  const status = c.res.status;
  const seconds = (performance.now() - started) / 1000;
  metrics.httpRequests.inc({ method, route, status: String(status) });
  metrics.httpDuration.observe({ method, route }, seconds);
  const who = c.get('principal');
  deps.logger.info(
    {
      method,
      route,
      status,
      durationMs: Math.round(seconds * 10_000) / 10,
      requestId: c.get('requestId'),
      ...(c.get('clientRequestId') ? { clientRequestId: c.get('clientRequestId') } : {}),
      ...(who
        ? {
            organisationId: who.organisationId,
            ...(who.apiKeyId ? { apiKeyId: who.apiKeyId } : who.deviceId ? { deviceId: who.deviceId } : { userId: who.userId }),
          }
        : {}),
    },
    'request',
  );
}

/** GET /metrics (Prometheus), behind METRICS_TOKEN when one is set. */
export function metricsHandler(deps: Pick<Deps, 'config'>, metrics: AppMetrics) {
  return async (c: Context) => {
    const token = deps.config.metricsToken;
    const sent = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    if (token && !constantTimeEqual(sha256Hex(sent), sha256Hex(token))) {
      return c.json({ error: 'unauthenticated', message: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.' }, 401);
    }
    return c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  };
}

/** 127.0.0.0/8, ::1 or localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const;

/**
 * GraphiQL, whose assets are in the page itself (@graphql-yoga/render-graphiql): nothing from another origin, its
 * editor workers from blob: URLs the page makes, requests only to this server.
 */
const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  'worker-src blob:',
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** GraphQL bodies are small, unless an operation says otherwise (Api.graphqlBodyBytes: an import's CSV). */
const MAX_GRAPHQL_BODY_BYTES = 1024 * 1024;

/** What a process that serves the API serves: the features' schema, routes, credentials and pages. */
export interface Api {
  /** The GraphQL server (src/server/graphql.ts: built by the caller, so a worker never loads it). */
  graphql: GraphQLHandler;
  routes: readonly RestRoute[];
  credentials: Credentials;
  pages: ReadonlyArray<(app: Hono<AppEnv>, deps: Deps) => void>;
  /** The largest GraphQL body an operation takes. */
  graphqlBodyBytes: number;
}

export interface Health {
  stopping(): boolean;
  /** Every migration this code knows; readiness requires them all applied. */
  migrations: string[];
  /** Readiness's own connections (short lock and statement timeouts), never the ones requests queue for. */
  pool: pg.Pool;
  /** Whether the LISTEN connection is up: without it live feeds, cache invalidation and revocations go stale. */
  listening(): boolean;
}

async function notReadyReason(health: Health): Promise<string | null> {
  if (health.stopping()) return 'shutting down';
  try {
    if ((await countAppliedMigrations(health.pool, health.migrations)) < health.migrations.length) return 'migrations not applied';
  } catch (error) {
    return unavailableReason(error);
  }
  if (!health.listening()) return 'database notifications not received';
  return null;
}
