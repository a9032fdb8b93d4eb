import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createTestDatabase } from './database.ts';

export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdefghijklmnop';

export interface TestApp extends RunningApp {
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

/**
 * A real EventoGate server on 127.0.0.1 (random port) over its own fresh database copy. Environment-style
 * overrides go through the same loadConfig the product uses.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { databaseUrl?: string; onQuery?: (query: string, params: string) => void; logLines?: string[]; processClock?: () => number } = {},
): Promise<TestApp> {
  const database = options.databaseUrl ? null : await createTestDatabase();
  // Its own data directory (dev mailbox, generated files): tests never write into the developer's ./.data.
  const dataDir = mkdtempSync(join(tmpdir(), 'eventogate-app-'));
  const config: Config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl ?? database?.url,
    SECRET_KEY: TEST_SECRET_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DEMO_SEED: 'false',
    ...env,
  });
  const lines = options.logLines;
  const logger = lines ? createLogger(config.logLevel, { write: (line) => void lines.push(line) }) : createLogger(config.logLevel);
  const app = await startApp(config, {
    logger,
    ...(options.onQuery ? { onQuery: options.onQuery } : {}),
    ...(options.processClock ? { processClock: options.processClock } : {}),
  });
  // Closing an app (a second process on another app's database, say) removes its data directory too.
  const close = async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    ...app,
    close,
    stop: async () => {
      await close();
      await database?.drop();
    },
  };
}

/** The webhook deliveries written for `attendeeId` (one per listening endpoint and trigger, at commit). */
export async function deliveriesFor(app: Pick<RunningApp, 'deps'>, attendeeId: string) {
  return await app.deps.prisma.webhookDelivery.findMany({ where: { attendeeId }, orderBy: { createdAt: 'asc' } });
}
