import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';

export type { Prisma } from '../generated/prisma/client.ts';
export { PrismaClient };

/** A transaction client or the root client: services accept either so callers can compose transactions. */
export type Db = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export function createPrisma(options: { databaseUrl: string; poolSize?: number; logQueries?: boolean }): PrismaClient {
  const adapter = new PrismaPg({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
  return new PrismaClient({
    adapter,
    ...(options.logQueries ? { log: [{ emit: 'event', level: 'query' }] } : {}),
  }) as PrismaClient;
}
