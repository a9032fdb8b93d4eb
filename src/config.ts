import { z } from 'zod';
import { DEFAULT_POOL_SIZE, MIN_POOL_SIZE } from './db/budget.ts';

/**
 * Every setting comes from the environment (names are part of CONTRACT §10), parsed once at start-up.
 * A bad value stops the process with a message naming the variable.
 */
const boolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);
const delays = z
  .string()
  .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'must be a comma-separated list of milliseconds, e.g. 60000,300000,900000')
  .transform((v) => v.split(',').map((d) => Number(d.trim())));
const url = (schemes: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return schemes.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}`,
  );

const EnvSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_DIRECT_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_SIZE: integer(MIN_POOL_SIZE, 1_000).default(DEFAULT_POOL_SIZE),
  PORT: integer(0, 65535).default(3000),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  DATA_DIR: z.string().min(1, 'must not be empty').default('./.data'),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('EventoGate <no-reply@eventogate.local>'),
  // Below the email jobs' expiry (120 s): a send still open when its job is given up on would be sent twice.
  SMTP_TIMEOUT_MS: integer(1_000, 110_000).default(60_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  DEMO_SEED: boolean.optional(),
  WEBHOOK_TIMEOUT_MS: integer(1, 600_000).default(10_000),
  WEBHOOK_RETRY_DELAYS_MS: delays.default([60_000, 300_000, 900_000]),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean.default(false),
  WEBHOOK_ENDPOINT_CONCURRENCY: integer(1, 1000).default(4),
  WEBHOOK_DISABLE_AFTER_MS: integer(1).default(5 * 24 * 60 * 60 * 1000),
  WEBHOOK_LOG_RETENTION_DAYS: integer(1, 3650).default(30),
  AUDIT_LOG_RETENTION_DAYS: integer(1, 36500).default(365),
  PUBLIC_FORM_RATE_LIMIT_PER_MIN: integer(1).default(10),
  API_RATE_LIMIT_PER_MIN: integer(1).default(1200),
  CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine((origins) => origins.every((o) => /^https?:\/\/[^/\s]+$/.test(o)), 'must be a comma-separated list of origins, e.g. https://dash.example.com')
    .default([]),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PORT: integer(1, 65_535).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  HTTP_REQUEST_TIMEOUT_MS: integer(1_000, 600_000).default(30_000),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  DATABASE_LOCK_TIMEOUT_MS: integer(1, 600_000).default(5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: integer(1, 3_600_000).default(15_000),
  WS_MAX_CONNECTIONS_PER_IP: integer(1).default(50),
  WS_MAX_CONNECTIONS_PER_ORGANISATION: integer(1).default(500),
  LIVE_MAX_SUBSCRIPTIONS_PER_SOCKET: integer(1).default(20),
  LIVE_MAX_SUBSCRIPTIONS_PER_CREDENTIAL: integer(1).default(50),
  LIVE_MAX_SUBSCRIPTIONS_PER_ORGANISATION: integer(1).default(500),
});

export type Role = 'all' | 'api' | 'worker';

export interface Config {
  databaseUrl: string | undefined;
  /**
   * The database itself, when DATABASE_URL points at a transaction pooler (PgBouncer): LISTEN, migrations and their
   * lock, and readiness need a session of their own. Unset: DATABASE_URL is the database.
   */
  databaseDirectUrl: string | undefined;
  /** Connections one process may open, in all (src/db/budget.ts splits them by role). */
  databasePoolSize: number;
  port: number;
  host: string;
  /** Base of absolute URLs we hand out (qr_code_url, Location); null until the port is known when PORT=0. */
  publicUrl: string | undefined;
  dataDir: string;
  secretKey: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** The whole SMTP send of one message (connect, greeting, envelope, DATA, the server's reply). */
  smtpTimeoutMs: number;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  role: Role;
  demoSeed: boolean;
  webhookTimeoutMs: number;
  webhookRetryDelaysMs: number[];
  webhookAllowPrivateTargets: boolean;
  /** Attempts of one endpoint in flight at once, across all processes. */
  webhookEndpointConcurrency: number;
  /** An endpoint failing this long without a success is disabled. */
  webhookDisableAfterMs: number;
  /** Webhook deliveries and attempts, email logs (and their dev-mailbox files) are deleted after this many days. */
  webhookLogRetentionDays: number;
  auditLogRetentionDays: number;
  publicFormRateLimitPerMin: number;
  apiRateLimitPerMin: number;
  /** Origins allowed to call /graphql from a browser (CORS); none by default. */
  corsOrigins: string[];
  /** Bearer token /metrics requires, if set. */
  metricsToken: string | undefined;
  /** /metrics on its own port (same HOST) instead of the API's. */
  metricsPort: number | undefined;
  /** OTLP/HTTP base URL for traces (…/v1/traces); unset: no tracing. */
  otelEndpoint: string | undefined;
  /** A request (headers and body) must arrive within this time. */
  httpRequestTimeoutMs: number;
  /** PEM certificate chain and key: the server speaks HTTPS (door phones' cameras need it on a LAN address). */
  tls: { certFile: string; keyFile: string } | undefined;
  /**
   * Every pooled connection's lock_timeout and statement_timeout: a statement waiting longer for a lock, or running
   * longer, is cancelled, its transaction rolled back, and the request answered 503 with Retry-After.
   */
  databaseTimeouts: DatabaseTimeouts;
  wsMaxConnectionsPerIp: number;
  wsMaxConnectionsPerOrganisation: number;
  /** Live subscriptions (graphql-ws, SSE, devices' occupancy streams) per socket, credential and organisation, per process. */
  liveMaxSubscriptions: { perSocket: number; perCredential: number; perOrganisation: number };
}

export interface DatabaseTimeouts {
  lockMs: number;
  statementMs: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SECRET_VARIABLES = new Set(['DATABASE_URL', 'DATABASE_DIRECT_URL', 'SECRET_KEY', 'SMTP_URL', 'METRICS_TOKEN']);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most twelve-factor apps.
  const present = Object.fromEntries(Object.keys(EnvSchema.shape).flatMap((k) => (env[k] ? [[k, env[k]]] : [])));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const shown = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(present[name])})`;
      return `  ${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.DATABASE_URL && !e.SECRET_KEY) {
    throw new ConfigError('Invalid configuration:\n  SECRET_KEY: is required when DATABASE_URL is set, so every process encrypts and signs with the same key');
  }
  if (Boolean(e.TLS_CERT_FILE) !== Boolean(e.TLS_KEY_FILE)) {
    throw new ConfigError(
      `Invalid configuration:\n  ${e.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'}: is required with ${e.TLS_CERT_FILE ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE'}`,
    );
  }
  const scheme = e.TLS_CERT_FILE ? 'https' : 'http';
  if (e.DATABASE_DIRECT_URL && !e.DATABASE_URL) {
    throw new ConfigError('Invalid configuration:\n  DATABASE_DIRECT_URL: is only used with DATABASE_URL (the pooler it bypasses); set both or neither');
  }
  return {
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? (e.PORT === 0 ? undefined : `${scheme}://${e.HOST}:${e.PORT}`),
    dataDir: e.DATA_DIR,
    secretKey: e.SECRET_KEY,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    smtpTimeoutMs: e.SMTP_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    role: e.ROLE,
    demoSeed: e.DEMO_SEED ?? !e.DATABASE_URL,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookRetryDelaysMs: e.WEBHOOK_RETRY_DELAYS_MS,
    webhookAllowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    webhookEndpointConcurrency: e.WEBHOOK_ENDPOINT_CONCURRENCY,
    webhookDisableAfterMs: e.WEBHOOK_DISABLE_AFTER_MS,
    webhookLogRetentionDays: e.WEBHOOK_LOG_RETENTION_DAYS,
    auditLogRetentionDays: e.AUDIT_LOG_RETENTION_DAYS,
    publicFormRateLimitPerMin: e.PUBLIC_FORM_RATE_LIMIT_PER_MIN,
    apiRateLimitPerMin: e.API_RATE_LIMIT_PER_MIN,
    corsOrigins: e.CORS_ORIGINS,
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    otelEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    httpRequestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } : undefined,
    databaseTimeouts: { lockMs: e.DATABASE_LOCK_TIMEOUT_MS, statementMs: e.DATABASE_STATEMENT_TIMEOUT_MS },
    wsMaxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
    wsMaxConnectionsPerOrganisation: e.WS_MAX_CONNECTIONS_PER_ORGANISATION,
    liveMaxSubscriptions: {
      perSocket: e.LIVE_MAX_SUBSCRIPTIONS_PER_SOCKET,
      perCredential: e.LIVE_MAX_SUBSCRIPTIONS_PER_CREDENTIAL,
      perOrganisation: e.LIVE_MAX_SUBSCRIPTIONS_PER_ORGANISATION,
    },
  };
}

const LOOPBACK = /^(localhost|127(?:\.\d+){3}|\[?::1\]?)$/i;
const ANY_ADDRESS = /^(0\.0\.0\.0|\[?::\]?)$/;

/**
 * A start-up warning when the address EventoGate writes into emails, QR links and webhook payloads (PUBLIC_URL)
 * is one other machines cannot reach while the server listens for them; null when it looks right.
 */
export function publicUrlWarning(config: Pick<Config, 'host' | 'publicUrl'>): string | null {
  if (!config.publicUrl) return null;
  const shown = new URL(config.publicUrl).hostname;
  if (ANY_ADDRESS.test(shown)) {
    return `PUBLIC_URL is ${config.publicUrl}, which no browser can open: emails, QR codes and webhook payloads carry it. Set PUBLIC_URL to the address people use.`;
  }
  if (LOOPBACK.test(shown) && !LOOPBACK.test(config.host)) {
    return `PUBLIC_URL is ${config.publicUrl} while HOST=${config.host} accepts other machines: emails, QR codes and webhook payloads would point them at their own computer. Set PUBLIC_URL to the address people use.`;
  }
  return null;
}
