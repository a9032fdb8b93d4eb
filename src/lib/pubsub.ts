import pg from 'pg';
import type { Logger } from './logger.ts';

type Handler = (payload: string) => void;

/**
 * Publish/subscribe between every EventoGate process on one database, over PostgreSQL LISTEN/NOTIFY.
 * One dedicated connection listens (re-established with backoff if it drops); publishing goes through a
 * small pool with synchronous_commit off, so a NOTIFY never holds PostgreSQL's notification lock through a
 * WAL flush. Payloads are small (ids, names): NOTIFY carries at most 8000 bytes.
 */
export class PgPubSub {
  readonly #handlers = new Map<string, Set<Handler>>();
  readonly #publisher: pg.Pool;
  #listener: pg.Client | null = null;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {
    this.#publisher = new pg.Pool({
      connectionString: databaseUrl,
      max: 2,
      application_name: 'eventogate-publish',
      options: '-c synchronous_commit=off',
    });
  }

  async start(): Promise<void> {
    await this.#connect();
  }

  async publish(channel: string, payload: string): Promise<void> {
    await this.#publisher.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async subscribe(channel: string, handler: Handler): Promise<() => Promise<void>> {
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      await this.#listener?.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    handlers.add(handler);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0) {
        this.#handlers.delete(channel);
        await this.#listener?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    await this.#listener?.end().catch(() => undefined);
    await this.#publisher.end();
  }

  async #connect(attempt = 0): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'eventogate-listen', keepAlive: true });
    client.on('notification', (message) => {
      for (const handler of this.#handlers.get(message.channel) ?? []) {
        try {
          handler(message.payload ?? '');
        } catch (error) {
          this.logger.error({ err: error, channel: message.channel }, 'pub/sub handler failed');
        }
      }
    });
    const reconnect = (error: Error) => {
      if (this.#closed || this.#listener !== client) return;
      this.#listener = null;
      this.logger.warn({ err: error }, 'pub/sub listener lost; reconnecting');
      client.end().catch(() => undefined);
      this.#reconnectTimer = setTimeout(() => void this.#connect(attempt + 1).catch(() => undefined), Math.min(100 * 2 ** attempt, 5_000));
    };
    client.on('error', reconnect);
    try {
      await client.connect();
      for (const channel of this.#handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      if (attempt === 0) throw error;
      this.#listener = client;
      reconnect(error as Error);
      return;
    }
    this.#listener = client;
    client.on('end', () => reconnect(new Error('connection ended')));
  }
}
