import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../lib/logger.ts';
import { createPool, type SessionSettings } from './pool.ts';

export type { Prisma } from '../generated/prisma/client.ts';
export { PrismaClient };

/** A transaction client or the root client: services accept either so callers can compose transactions. */
export type Db = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export function createPrisma(options: {
  databaseUrl: string;
  poolSize?: number;
  logQueries?: boolean;
  logger: Logger;
  settings?: SessionSettings;
  /** DATABASE_URL is a transaction pooler's (createPool's `pooler`). */
  pooler?: boolean;
}): PrismaClient {
  // Our own pool (src/db/pool.ts): connections that die (a database restart) are logged and replaced, never an
  // uncaught error; the statement that was using one fails with an error the transports turn into 503. The
  // adapter ends the pool with itself.
  const pool = createPool({
    databaseUrl: options.databaseUrl,
    max: options.poolSize ?? 10,
    name: 'eventogate-prisma',
    logger: options.logger,
    settings: options.settings,
    pooler: options.pooler ?? false,
  });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  return new PrismaClient({
    adapter,
    ...(options.logQueries ? { log: [{ emit: 'event', level: 'query' }] } : {}),
  }) as PrismaClient;
}
