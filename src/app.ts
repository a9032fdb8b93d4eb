import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';
import { type Config, ConfigError } from './config.ts';
import { connectionBudget } from './db/budget.ts';
import { type EmbeddedDatabase, readOrCreateSecretKey, startEmbeddedPostgres } from './db/embedded.ts';
import { countAppliedMigrations, databaseTimeMs } from './db/health.sql.ts';
import { applyMigrations, readMigrations } from './db/migrate.ts';
import { createPool, setRoleDefaults, timeoutSettings } from './db/pool.ts';
import { createPrisma } from './db/prisma.ts';
import { poolSql } from './db/sql.ts';
import { Transactions } from './db/transactions.ts';
import type { Deps, Kernel } from './deps.ts';
import { CREDENTIALS, FEATURES, GRAPHQL_BODY_BYTES, JOBS, PAGES, PERSONAL_DATA, REST_ROUTES } from './features.ts';
import { buildSchema } from './graphql/schema.ts';
import { createQueues, startBoss, startWorkers } from './jobs/boss.ts';
import { waitingJobCounts } from './jobs/jobs.sql.ts';
import { JobQueue } from './jobs/queue.ts';
import { CLOCK_SKEW_WARNING_MS, Clock } from './lib/clock.ts';
import { Lifecycle } from './lib/lifecycle.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { PgPubSub } from './lib/pubsub.ts';
import type { Caches } from './lib/services.ts';
import { startTracing } from './lib/tracing.ts';
import { type DemoSeed, seedDemo } from './modules/demo/demo.service.ts';
import { DeliveryEngine } from './modules/webhooks/delivery-engine.ts';
import { pendingDeliveryCount } from './modules/webhooks/index.ts';
import { createRateLimiters, type RateLimiters } from './rest/rate-limit.ts';
import { createHttpApp, metricsHandler } from './server/http.ts';
import { type AppMetrics, createMetrics, type MetricSources } from './server/metrics.ts';
import { assertPortAvailable, portError } from './server/port.ts';

export interface RunningApp {
  deps: Deps;
  /** Where the HTTP server listens, e.g. http://127.0.0.1:3000. */
  url: string;
  databaseUrl: string;
  embedded: boolean;
  demo: DemoSeed | null;
  /** The routes the HTTP app serves (method, path template): the OpenAPI drift test compares them. */
  routes: ReadonlyArray<{ method: string; path: string }>;
  close(): Promise<void>;
}

/**
 * Boots one EventoGate process: database (DATABASE_URL or embedded) → migrations → Prisma → job runner →
 * workers (ROLE all|worker) → demo seed (empty database) → HTTP (GraphQL for all|api; health for every role).
 */
export async function startApp(
  config: Config,
  options: {
    logger?: Logger;
    /** Every SQL statement Prisma runs (tests count them). */
    onQuery?: (query: string, params: string) => void;
    /** The embedded database died for good (src/main.ts exits); tests leave it unset. */
    onDatabaseLost?: (error: Error) => void;
    /** This process's own clock (Date.now); tests inject a skewed one. */
    processClock?: () => number;
  } = {},
): Promise<RunningApp> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const lifecycle = new Lifecycle(logger);
  const close = () => lifecycle.stop();

  try {
    await assertPortAvailable(config.host, config.port);
    const tracing = startTracing({ endpoint: config.otelEndpoint, serviceName: `eventogate-${config.role}` });
    if (tracing) lifecycle.onStop('database', 'tracing (flush)', () => tracing.shutdown());
    const services = await openServices(config, lifecycle, {
      ...options,
      logger,
      migrations: 'apply',
      // Live subscriptions are served by API processes; a worker only publishes (e.g. imported attendees).
      receive: config.role !== 'worker',
    });
    const { deps, databaseUrl, embedded, rateLimiters, metrics, metricSources } = services;
    if (config.role !== 'api') {
      await startWorkers(deps, JOBS);
      const deliveries = new DeliveryEngine(deps);
      deliveries.start();
      // Registered after the job workers: stopped before them (attempts in flight are sent and recorded).
      lifecycle.onStop('workers', 'webhook deliveries', () => deliveries.stop());
    }
    metricSources.graphqlSubscriptions = () => (config.role === 'worker' ? 0 : deps.credentialWatch.size);
    // The GraphQL server (graphql-yoga, graphql-ws, ws) is loaded only by processes that serve the API: a worker
    // never needs it, and not loading it keeps ~20 MB out of its memory (issue 32).
    const graphqlServer = config.role === 'worker' ? null : await import('./server/graphql.ts');
    const http = createHttpApp(deps, {
      api: graphqlServer
        ? {
            graphql: graphqlServer.createGraphQLHandler(deps, {
              schema: await buildSchema(FEATURES),
              apiKeyLimiter: rateLimiters.apiKey,
              credentials: CREDENTIALS,
            }),
            routes: REST_ROUTES,
            credentials: CREDENTIALS,
            pages: PAGES,
            graphqlBodyBytes: GRAPHQL_BODY_BYTES,
          }
        : null,
      rateLimiters,
      health: {
        stopping: () => lifecycle.stopping,
        migrations: readMigrations().map((m) => m.name),
        pool: services.healthPool,
        listening: () => services.deps.pubsub.listening,
      },
      metrics,
    });
    // A client must send its request (headers and body) in time: a slow-loris body ends in seconds, not minutes.
    // Node checks the timeouts every connectionsCheckingInterval (30 s by default), so that is tightened too.
    const server = createAdaptorServer({
      fetch: http.app.fetch,
      // TLS_CERT_FILE/TLS_KEY_FILE: HTTPS, for door phones on a LAN address (browsers give the camera to secure pages only).
      ...(config.tls ? { createServer: createHttpsServer } : {}),
      serverOptions: {
        headersTimeout: Math.min(10_000, config.httpRequestTimeoutMs),
        requestTimeout: config.httpRequestTimeoutMs,
        connectionsCheckingInterval: Math.min(1_000, config.httpRequestTimeoutMs),
        ...(config.tls ? { cert: readTlsFile('TLS_CERT_FILE', config.tls.certFile), key: readTlsFile('TLS_KEY_FILE', config.tls.keyFile) } : {}),
      },
    }) as Server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(portError(error, config.host, config.port)));
      server.listen(config.port, config.host, () => resolve());
    });
    lifecycle.onStop('http', 'HTTP server', () => closeServer(server));
    if (config.metricsPort) {
      // /metrics alone on its own port (scraped from inside the network; the API's port answers it 404).
      const metricsApp = new Hono();
      metricsApp.get('/metrics', metricsHandler(deps, metrics));
      const metricsServer = createAdaptorServer({ fetch: metricsApp.fetch }) as Server;
      await new Promise<void>((resolve, reject) => {
        metricsServer.once('error', (error: NodeJS.ErrnoException) => reject(portError(error, config.host, config.metricsPort!, 'METRICS_PORT')));
        metricsServer.listen(config.metricsPort, config.host, () => resolve());
      });
      lifecycle.onStop('http', 'metrics server', () => closeServer(metricsServer));
    }
    if (http.graphql) {
      const { attachGraphQLWebSocket } = await import('./server/websocket.ts');
      const sockets = attachGraphQLWebSocket(
        server,
        http.graphql,
        deps,
        { perIp: config.wsMaxConnectionsPerIp, perOrganisation: config.wsMaxConnectionsPerOrganisation },
        CREDENTIALS,
      );
      metricSources.websocketConnections = sockets.connections;
      lifecycle.onStop('http', 'WebSockets', sockets.close);
    }
    const url = `${config.tls ? 'https' : 'http'}://${formatHost(config.host)}:${(server.address() as AddressInfo).port}`;
    // With PORT=0 the address is only known now; no request has been read yet (they arrive as later I/O).
    deps.config.publicUrl ||= url;

    const demo = config.demoSeed && config.role !== 'worker' ? await seedDemo(deps) : null;
    logger.info({ url, role: config.role, embeddedDatabase: Boolean(embedded) }, 'EventoGate is ready');
    const routes = http.app.routes.map((r) => ({ method: r.method, path: r.path }));
    return { deps, url, databaseUrl, embedded: Boolean(embedded), demo, routes, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** A PEM file TLS_CERT_FILE or TLS_KEY_FILE names; one that cannot be read stops start-up naming the variable. */
function readTlsFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  ${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Stops accepting connections, lets in-flight requests finish (up to 10 s), then cuts the rest. */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(timer);
}

/** What a process runs on: the database, the kernel's services and the features' (no HTTP server, no workers). */
export interface Services {
  deps: Deps;
  databaseUrl: string;
  embedded: EmbeddedDatabase | null;
  rateLimiters: RateLimiters;
  metrics: AppMetrics;
  metricSources: MetricSources;
  /** /readyz and /metrics: their own connections, which never wait on a data lock. */
  healthPool: pg.Pool;
}

/**
 * Opens the database (DATABASE_URL or the embedded one) and builds the services on it, each registered with
 * `lifecycle` to be stopped: Prisma, the job queue (no workers), pub/sub, pools, caches, live feeds, mailer,
 * audit. `migrations: 'apply'` migrates first (the server); `'require'` refuses a database this version has not
 * migrated (the CLI, which leaves migrating to `eventogate migrate`). `receive`: this process serves live feeds.
 */
const CLOCK_SYNC_MS = 60_000;

/** What /readyz and /metrics may wait for a lock, and for a statement: far less than any prober's timeout. */
const HEALTH_LOCK_TIMEOUT_MS = 250;
const HEALTH_STATEMENT_TIMEOUT_MS = 2_000;

export async function openServices(
  config: Config,
  lifecycle: Lifecycle,
  options: {
    logger: Logger;
    migrations: 'apply' | 'require';
    receive: boolean;
    onQuery?: (query: string, params: string) => void;
    onDatabaseLost?: (error: Error) => void;
    processClock?: () => number;
  },
): Promise<Services> {
  const { logger } = options;
  let embedded: EmbeddedDatabase | null = null;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      logger,
      onLost: (error) => {
        logger.fatal({ err: error }, 'the embedded database is gone');
        options.onDatabaseLost?.(error);
      },
    });
    lifecycle.onStop('database', 'embedded PostgreSQL', () => (embedded as EmbeddedDatabase).stop());
  }
  const databaseUrl = config.databaseUrl ?? (embedded as EmbeddedDatabase).url;
  // What needs a session of its own (LISTEN, the migrations' lock, readiness) goes to the database itself; with
  // DATABASE_URL pointing at a transaction pooler, everything else goes through the pooler (docs/operations.md).
  const directUrl = config.databaseDirectUrl ?? databaseUrl;
  const pooler = directUrl !== databaseUrl;
  const secretKey = config.secretKey ?? readOrCreateSecretKey(config.dataDir);

  if (options.migrations === 'apply') await applyMigrations({ databaseUrl: directUrl, logger });
  else await requireMigrations(directUrl);

  // Every pool waits at most DATABASE_LOCK_TIMEOUT_MS for a lock and runs a statement at most
  // DATABASE_STATEMENT_TIMEOUT_MS: one tenant's locked rows answer that tenant 503 instead of stalling everyone.
  // Behind a pooler no session SET reaches the right transactions: the role's own defaults carry them instead.
  const timeouts = timeoutSettings(config.databaseTimeouts);
  if (pooler) await setRoleDefaults(directUrl, timeouts, logger);
  // DATABASE_POOL_SIZE connections in all, split between the pools by what this process does (src/db/budget.ts).
  const budget = connectionBudget(config.databasePoolSize, config.role);
  const prisma = createPrisma({ databaseUrl, poolSize: budget.prisma, pooler, logQueries: Boolean(options.onQuery), logger, settings: timeouts });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    (prisma as unknown as { $on(event: 'query', cb: (e: { query: string; params: string }) => void): void }).$on('query', (e) => onQuery(e.query, e.params));
  }
  lifecycle.onStop('connections', 'prisma', () => prisma.$disconnect());
  // Prisma loads its query compiler on the first connect: ~200 ms of this thread (measured). Paid here, at boot,
  // not by the first request or job (a worker's first import held its /livez that long).
  await prisma.$connect();
  // An API process only sends jobs: it neither supervises them nor runs the cron schedules.
  const supervise = config.role !== 'api';
  const boss = await startBoss({
    databaseUrl,
    max: budget.jobs,
    logger,
    supervise,
    settings: pooler ? {} : timeouts,
    isStopping: () => lifecycle.stopping,
  });
  // Graceful: workers finish the jobs they hold (an email mid-send is sent and its job completed) before the
  // mailer and the pools they use are closed in the later phases.
  lifecycle.onStop('workers', 'job workers', () => boss.stop({ graceful: true, timeout: 20_000 }));
  await createQueues(boss, JOBS, { retentionDays: config.webhookLogRetentionDays, schedule: supervise });
  const pubsub = new PgPubSub({ listenUrl: directUrl, publishUrl: databaseUrl, pooler, logger, settings: timeouts });
  await pubsub.start();
  lifecycle.onStop('connections', 'pub/sub', () => pubsub.close());
  // Pipelined: a transaction's BEGIN and its first statements travel together (Transactions.sqlTransaction).
  const pool = createPool({ databaseUrl, max: budget.app, name: 'eventogate', logger, settings: timeouts, pooler, pipeline: true });
  lifecycle.onStop('connections', 'pool', () => pool.end());
  // The database's clock, read locally (lib/clock.ts): measured now and every minute.
  const clock = new Clock(options.processClock);
  const skew = await clock.sync(() => databaseTimeMs(pool));
  if (Math.abs(skew) > CLOCK_SKEW_WARNING_MS) {
    logger.warn(
      { offsetMs: skew },
      `This process's clock is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'behind' : 'ahead of'} the database's; EventoGate keeps time by the database's, but check NTP on this machine.`,
    );
  }
  const resync = setInterval(() => void clock.sync(() => databaseTimeMs(pool)).catch(() => undefined), CLOCK_SYNC_MS);
  resync.unref();
  lifecycle.onStop('services', 'clock', () => clearInterval(resync));
  const db = new Transactions(prisma, pool);
  const jobs = new JobQueue(boss, pubsub, db);
  // Only processes that run workers need to hear that jobs are waiting.
  if (config.role !== 'api') await jobs.start();
  lifecycle.onStop('services', 'job wake-ups', () => jobs.close());
  // A small pool of its own for rate-limit counters (src/rest/rate-limit.ts, raw SQL). Every
  // request of one key updates the same row; without synchronous_commit each update would hold that row's
  // lock through a WAL flush and serialise the key's requests at disk speed. A counter lost in a crash is
  // harmless, so these commits do not wait for the flush.
  const rateLimitPool = createPool({
    databaseUrl,
    max: budget.rateLimits,
    name: 'eventogate-rate-limits',
    logger,
    settings: { ...timeouts, synchronous_commit: 'off' },
    pooler,
  });
  lifecycle.onStop('connections', 'rate-limit pool', () => rateLimitPool.end());
  const metricSources: MetricSources = {};
  const metrics = createMetrics(metricSources);
  const rateLimiters = createRateLimiters(rateLimitPool, config, clock, metrics.batches('rate_limits'));
  const kernel: Kernel = {
    metrics,
    prisma,
    boss,
    logger,
    secretKey,
    pool,
    db,
    jobs,
    pubsub,
    clock,
    caches: {} as Caches,
    personalData: PERSONAL_DATA,
    config: { ...config, publicUrl: config.publicUrl ?? '' },
  };
  // Each feature builds its services into deps once, in the features' order (lib/services.ts): until the last has,
  // deps holds only the kernel and those built so far.
  const deps = kernel as Deps;
  for (const feature of FEATURES) await feature.services?.(deps, { lifecycle, receive: options.receive });
  // /readyz and /metrics on a pool of their own that never waits on a data lock (a quarter of a second, then the
  // gauge keeps its last value): they answer while requests queue for the main pools or wait on someone's lock.
  // On the direct URL: its short timeouts are session settings, and a pooler would put them on others' transactions.
  const healthPool = createPool({
    databaseUrl: directUrl,
    max: budget.health,
    name: 'eventogate-health',
    logger,
    settings: timeoutSettings({ lockMs: HEALTH_LOCK_TIMEOUT_MS, statementMs: HEALTH_STATEMENT_TIMEOUT_MS }),
  });
  lifecycle.onStop('connections', 'health pool', () => healthPool.end());
  metricSources.pools = () =>
    [
      ['app', pool],
      ['rate-limits', rateLimitPool],
      ['health', healthPool],
    ].map(([name, p]) => ({
      name: name as string,
      total: (p as typeof pool).totalCount,
      idle: (p as typeof pool).idleCount,
      waiting: (p as typeof pool).waitingCount,
    }));
  metricSources.webhookBacklog = () => pendingDeliveryCount(poolSql({ pool: healthPool }));
  metricSources.jobQueues = () => waitingJobCounts(poolSql({ pool: healthPool }));
  return { deps, databaseUrl, embedded, rateLimiters, metrics, metricSources, healthPool };
}

/** Refuses a database some migration of this version has not been applied to (before anything is built on it). */
async function requireMigrations(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const names = readMigrations().map((m) => m.name);
    if ((await countAppliedMigrations(client, names)) < names.length) {
      throw new Error('The database is not migrated to this version of EventoGate: run `eventogate migrate` first (the server also migrates when it starts).');
    }
  } finally {
    await client.end();
  }
}
