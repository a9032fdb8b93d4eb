import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Config } from './config.ts';
import type { PrismaClient } from './db/prisma.ts';
import type { Transactions } from './db/transactions.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { LiveLimits } from './lib/live-limits.ts';
import type { Logger } from './lib/logger.ts';
import type { PersonalDataHook } from './lib/personal-data.ts';
import type { PgPubSub } from './lib/pubsub.ts';
import type { SharedCache } from './lib/shared-cache.ts';
import type { UsageTracker } from './lib/usage-tracker.ts';
import type { ApiKeyRecord } from './modules/api-keys/api-keys.service.ts';
import type { AuditWriter } from './modules/audit/audit.service.ts';
import type { ZoneFeed } from './modules/door/zone-feed.ts';
import type { MailTransport } from './modules/emails/emails.transport.ts';
import type { CachedEvent } from './modules/events/event-cache.ts';
import type { LiveFeed } from './modules/live/live-feed.ts';
import type { AppMetrics } from './server/metrics.ts';

/** What services need from the running app; built once in src/app.ts and passed down explicitly. */
export interface Deps {
  prisma: PrismaClient;
  boss: PgBoss;
  logger: Logger;
  config: Config & { publicUrl: string };
  /** SECRET_KEY, or the one generated into DATA_DIR for the embedded default. */
  secretKey: string;
  /** last_used_at of API keys and of sessions, written in batches. */
  apiKeyUsage: UsageTracker;
  sessionUsage: UsageTracker;
  /** Audit entries for reads, written in batches (changes are audited in their own transaction). */
  audit: AuditWriter;
  /** pg pool for plain-SQL hot paths (src/db/sql.ts). */
  pool: pg.Pool;
  /** Transactions (Prisma or plain pg), with work run once they committed. */
  db: Transactions;
  /** Enqueue jobs in a transaction, wake workers after commit. */
  jobs: JobQueue;
  /** Cross-process messages (LISTEN/NOTIFY). */
  pubsub: PgPubSub;
  /** Live feeds (check-ins, registrations, counts) across processes. */
  live: LiveFeed;
  /** Who is inside each zone, pushed to zoneOccupancy subscribers across processes. */
  zones: ZoneFeed;
  /** Caps on live subscriptions per socket, credential and organisation (this process). */
  liveLimits: LiveLimits;
  /** SMTP, or the dev mailbox under DATA_DIR. */
  mailer: MailTransport;
  /** Prometheus counters the services bump (GET /metrics). */
  metrics: AppMetrics;
  /** Every feature's (and the kernel's) personal-data hooks, in order: erasure and export run them all. */
  personalData: readonly PersonalDataHook[];
  caches: {
    /** API key secret hash → the key's owner, mode and revocation. */
    apiKeys: SharedCache<ApiKeyRecord>;
    /** Event id → the event with its ticket types and fields, as registration needs it. */
    events: SharedCache<CachedEvent>;
  };
}
