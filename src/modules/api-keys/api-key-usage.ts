import type { PrismaClient } from '../../db/prisma.ts';
import type { Logger } from '../../lib/logger.ts';

/**
 * Records `last_used_at` for API keys without a database write per request: uses are collected in memory
 * and written in one statement every `intervalMs` (and on shutdown). A dashboard showing "last used" a few
 * seconds late is fine; a write on every registration is not.
 */
export class ApiKeyUsageTracker {
  readonly #pending = new Map<string, Date>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    intervalMs = 10_000,
  ) {
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  touch(apiKeyId: string, at = new Date()): void {
    this.#pending.set(apiKeyId, at);
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const ids = [...this.#pending.keys()];
    const times = ids.map((id) => this.#pending.get(id) as Date);
    this.#pending.clear();
    try {
      await this.prisma.$executeRaw`
        UPDATE api_keys AS k SET last_used_at = u.used_at
        FROM unnest(${ids}::text[], ${times}::timestamptz[]) AS u(id, used_at)
        WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.used_at)`;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not record API key usage');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
