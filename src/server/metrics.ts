import { Gauge, Registry } from 'prom-client';

/** What the gauges read when scraped; filled in by src/app.ts as the parts start. */
export interface MetricSources {
  graphqlSubscriptions?: () => number;
  websocketConnections?: () => number;
  pools?: () => Array<{ name: string; total: number; idle: number; waiting: number }>;
}

/**
 * Prometheus metrics of this process (prom-client, one registry per running app: tests run several in one
 * process). GET /metrics serves them, behind METRICS_TOKEN when it is set.
 */
export function createMetrics(sources: MetricSources): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'eventogate_graphql_subscriptions',
    help: 'GraphQL subscriptions open on this process (graphql-ws and SSE).',
    registers: [registry],
    collect() {
      this.set(sources.graphqlSubscriptions?.() ?? 0);
    },
  });
  new Gauge({
    name: 'eventogate_websocket_connections',
    help: 'graphql-ws sockets open on this process.',
    registers: [registry],
    collect() {
      this.set(sources.websocketConnections?.() ?? 0);
    },
  });
  new Gauge({
    name: 'eventogate_db_pool_connections',
    help: 'Database pool connections by pool and state (idle, busy, waiting clients).',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of sources.pools?.() ?? []) {
        this.set({ pool: pool.name, state: 'idle' }, pool.idle);
        this.set({ pool: pool.name, state: 'busy' }, pool.total - pool.idle);
        this.set({ pool: pool.name, state: 'waiting' }, pool.waiting);
      }
    },
  });
  return registry;
}
