import type { PgBoss } from 'pg-boss';
import type { Config } from './config.ts';
import type { PrismaClient } from './db/prisma.ts';
import type { Logger } from './lib/logger.ts';
import type { ApiKeyUsageTracker } from './modules/api-keys/api-key-usage.ts';

/** What services need from the running app; built once in src/app.ts and passed down explicitly. */
export interface Deps {
  prisma: PrismaClient;
  boss: PgBoss;
  logger: Logger;
  config: Config & { publicUrl: string };
  /** SECRET_KEY, or the one generated into DATA_DIR for the embedded default. */
  secretKey: string;
  apiKeyUsage: ApiKeyUsageTracker;
}
