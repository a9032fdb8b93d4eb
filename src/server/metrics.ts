import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchObserver } from '../lib/batcher.ts';

/** What the gauges read when scraped; filled in by src/app.ts as the parts start. */
export interface MetricSources {
  graphqlSubscriptions?: () => number;
  websocketConnections?: () => number;
  pools?: () => Array<{ name: string; total: number; idle: number; waiting: number }>;
  /** Webhook deliveries still to send (every process sees the same number: it is the table). */
  webhookBacklog?: () => Promise<number>;
  /** Jobs waiting or running per pg-boss queue. */
  jobQueues?: () => Promise<Array<{ queue: string; state: string; count: number }>>;
}

/** The process's metrics: the registry GET /metrics serves, and the counters the services bump. */
export interface AppMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  registrations: Counter<'source' | 'mode'>;
  checkIns: Counter<'outcome'>;
  webhookAttempts: Counter<'outcome'>;
  emails: Counter<'outcome'>;
  deliveryLag: Histogram;
  /** The observer a group-commit batcher (lib/batcher.ts) reports to: its calls' queue waits, its batches' sizes and runs. */
  batches(name: 'registrations' | 'door' | 'rate_limits'): BatchObserver;
}

/**
 * Prometheus metrics of this process (prom-client, one registry per running app: tests run several in one
 * process). GET /metrics serves them, behind METRICS_TOKEN when it is set. Labels are bounded: routes are
 * templates (`/v1/events/:event_id/registrations`), never paths with ids.
 */
export function createMetrics(sources: MetricSources): AppMetrics {
  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: 'eventogate_graphql_subscriptions',
    help: 'GraphQL subscriptions open on this process (graphql-ws and SSE).',
    registers,
    collect() {
      this.set(sources.graphqlSubscriptions?.() ?? 0);
    },
  });
  new Gauge({
    name: 'eventogate_websocket_connections',
    help: 'graphql-ws sockets open on this process.',
    registers,
    collect() {
      this.set(sources.websocketConnections?.() ?? 0);
    },
  });
  new Gauge({
    name: 'eventogate_db_pool_connections',
    help: 'Database pool connections by pool and state (idle, busy, waiting clients).',
    labelNames: ['pool', 'state'],
    registers,
    collect() {
      this.reset();
      for (const pool of sources.pools?.() ?? []) {
        this.set({ pool: pool.name, state: 'idle' }, pool.idle);
        this.set({ pool: pool.name, state: 'busy' }, pool.total - pool.idle);
        this.set({ pool: pool.name, state: 'waiting' }, pool.waiting);
      }
    },
  });
  // Read from the database once per scrape, on connections that give up on a lock within a quarter of a second: a
  // read that fails (a table locked, the database away) leaves its gauge at the last value and is counted, and the
  // scrape still answers at once with everything else. (prom-client collects every metric at once, so the counter
  // waits for this scrape's reads before it is read itself.)
  let scraping: Promise<{ backlog?: number; queues?: Awaited<ReturnType<NonNullable<MetricSources['jobQueues']>>> }> | null = null;
  const scrape = () =>
    (scraping ??= (async () => {
      const [backlog, queues] = await Promise.all([
        read('eventogate_webhook_backlog', sources.webhookBacklog),
        read('eventogate_job_queue_jobs', sources.jobQueues),
      ]);
      return { backlog, queues };
    })().finally(() => {
      scraping = null;
    }));
  const sourceErrors = new Counter({
    name: 'eventogate_metrics_source_errors_total',
    help: 'Scrapes whose database-backed gauge could not be read (it kept its last value), by gauge.',
    labelNames: ['gauge'],
    registers,
    async collect() {
      await scrape();
    },
  });
  async function read<T>(gauge: string, source: (() => Promise<T>) | undefined): Promise<T | undefined> {
    if (!source) return undefined;
    try {
      return await source();
    } catch {
      sourceErrors.inc({ gauge });
      return undefined;
    }
  }
  new Gauge({
    name: 'eventogate_webhook_backlog',
    help: 'Webhook deliveries still pending (due now or waiting for a retry).',
    registers,
    async collect() {
      const { backlog } = await scrape();
      if (backlog !== undefined) this.set(backlog);
    },
  });
  new Gauge({
    name: 'eventogate_job_queue_jobs',
    help: 'Background jobs (emails, imports, maintenance) by queue and state.',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      const { queues } = await scrape();
      if (!queues) return;
      this.reset();
      for (const row of queues) this.set({ queue: row.queue, state: row.state }, row.count);
    },
  });
  return {
    registry,
    httpRequests: new Counter({
      name: 'eventogate_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'eventogate_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (until the response starts), by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    registrations: new Counter({
      name: 'eventogate_registrations_total',
      help: 'Attendees registered, by source (api, form, import, dashboard) and mode (live, test).',
      labelNames: ['source', 'mode'],
      registers,
    }),
    checkIns: new Counter({
      name: 'eventogate_check_ins_total',
      help: 'Scans that checked someone in (first) or found them checked in already (repeat).',
      labelNames: ['outcome'],
      registers,
    }),
    webhookAttempts: new Counter({
      name: 'eventogate_webhook_attempts_total',
      help: 'Webhook attempts by outcome: success, or the error class (http_status, timeout, connection…).',
      labelNames: ['outcome'],
      registers,
    }),
    deliveryLag: new Histogram({
      name: 'eventogate_webhook_delivery_lag_seconds',
      help: 'From a webhook delivery being written (with its registration, check-in or change) to its first attempt.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    emails: new Counter({
      name: 'eventogate_emails_total',
      help: 'Confirmation email sends by outcome (sent, retry, failed).',
      labelNames: ['outcome'],
      registers,
    }),
    batches: batchMetrics(registers),
  };
}

/**
 * Group commit, seen from the requests: how long a call waited for its batch to start (a batch of its kind already
 * being written), how many calls a batch carried, how long its transaction took. A tail in request latency that is
 * not in the database shows here first.
 */
function batchMetrics(registers: Registry[]): AppMetrics['batches'] {
  const histogram = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, labelNames: ['batch'], buckets, registers });
  const seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  const waited = histogram('eventogate_batch_wait_seconds', 'Time a call waited in a group-commit queue before its batch started, by batcher.', seconds);
  const run = histogram('eventogate_batch_duration_seconds', 'Time a group-commit batch took (its transaction or statement), by batcher.', seconds);
  const size = histogram('eventogate_batch_size', 'Calls in a group-commit batch, by batcher.', [1, 2, 5, 10, 20, 50, 100, 200, 500]);
  return (name) => {
    const [waitedOf, runOf, sizeOf] = [waited.labels(name), run.labels(name), size.labels(name)];
    return ({ waitedMs, runMs }) => {
      for (const ms of waitedMs) waitedOf.observe(ms / 1000);
      runOf.observe(runMs / 1000);
      sizeOf.observe(waitedMs.length);
    };
  };
}
