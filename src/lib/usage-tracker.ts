import type { PrismaClient } from '../db/prisma.ts';
import { prismaSql } from '../db/sql.ts';
import type { Logger } from './logger.ts';
import { recordLastUsed } from './usage-tracker.sql.ts';

/**
 * Records `last_used_at` (of API keys, of sessions) without a database write per request: uses are collected in
 * memory and written in one statement every `intervalMs` (and on shutdown). A dashboard showing "last used" a
 * few seconds late is fine; a write on every registration is not.
 */
export class UsageTracker {
  readonly #pending = new Map<string, Date>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    private readonly table: 'api_keys' | 'sessions',
    intervalMs = 10_000,
  ) {
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  touch(id: string, at = new Date()): void {
    this.#pending.set(id, at);
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const ids = [...this.#pending.keys()];
    const times = ids.map((id) => this.#pending.get(id) as Date);
    this.#pending.clear();
    try {
      await recordLastUsed(prismaSql(this.prisma), this.table, ids, times);
    } catch (error) {
      this.logger.warn({ err: error, table: this.table }, 'could not record usage');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
