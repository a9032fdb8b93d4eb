import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Config } from './config.ts';
import type { PrismaClient } from './db/prisma.ts';
import type { Transactions } from './db/transactions.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { Clock } from './lib/clock.ts';
import type { Logger } from './lib/logger.ts';
import type { PersonalDataHook } from './lib/personal-data.ts';
import type { PgPubSub } from './lib/pubsub.ts';
import type { Caches, Services } from './lib/services.ts';
import type { AppMetrics } from './server/metrics.ts';

/**
 * The kernel every service runs on: the database (Prisma, the plain-SQL pool, transactions), the job queue,
 * pub/sub, logger, configuration, metrics. Built once in src/app.ts (openServices) and passed down explicitly.
 */
export interface Kernel {
  prisma: PrismaClient;
  boss: PgBoss;
  logger: Logger;
  config: Config & { publicUrl: string };
  /** SECRET_KEY, or the one generated into DATA_DIR for the embedded default. */
  secretKey: string;
  /** pg pool for plain-SQL hot paths (src/db/sql.ts). */
  pool: pg.Pool;
  /** Transactions (Prisma or plain pg), with work run once they committed. */
  db: Transactions;
  /** Enqueue jobs in a transaction, wake workers after commit. */
  jobs: JobQueue;
  /** Cross-process messages (LISTEN/NOTIFY). */
  pubsub: PgPubSub;
  /** The time, by the database's clock (deadlines, windows, cut-offs, timestamps that leave the system). */
  clock: Clock;
  /** Prometheus counters the services bump (GET /metrics). */
  metrics: AppMetrics;
  /** Every feature's (and the kernel's) personal-data hooks, in order: erasure and export run them all. */
  personalData: readonly PersonalDataHook[];
  /** Caches the features add (lib/services.ts). */
  caches: Caches;
}

/** The kernel and every feature's services (each feature declares and builds its own: lib/services.ts). */
export interface Deps extends Kernel, Services {}
