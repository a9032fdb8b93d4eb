import pg from 'pg';
import { createPool, type SessionSettings } from '../db/pool.ts';
import type { Logger } from './logger.ts';
import { listen, notify, unlisten } from './pubsub.sql.ts';

type Handler = (payload: string) => void;

/**
 * Publish/subscribe between every EventoGate process on one database, over PostgreSQL LISTEN/NOTIFY.
 * One dedicated connection listens; publishing goes through a small pool with synchronous_commit off, so a
 * NOTIFY never holds PostgreSQL's notification lock through a WAL flush. Payloads are small (ids, names):
 * NOTIFY carries at most 8000 bytes.
 *
 * The listening connection is re-established with backoff whenever it drops (a database restart, a network
 * blip) and every channel is listened to again. Notifications sent while it was down are lost, so `onReconnect`
 * callbacks run after each reconnection: caches drop their entries, live feeds re-read what they may have missed.
 */
export class PgPubSub {
  readonly #handlers = new Map<string, Set<Handler>>();
  readonly #reconnectHandlers = new Set<(info: { lostAt: Date }) => void>();
  /** When the listener first went missing in the current outage. */
  #lostAt: Date | null = null;
  readonly #publisher: pg.Pool;
  #listener: pg.Client | null = null;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | null = null;

  readonly #listenUrl: string;
  private readonly logger: Logger;

  /**
   * `listenUrl` must reach the database itself (a LISTEN through a transaction pooler lands on a server connection
   * this process soon stops using, and hears nothing); `publishUrl` may be a pooler's (NOTIFY is sent at commit).
   */
  constructor(options: { listenUrl: string; publishUrl: string; pooler?: boolean; logger: Logger; settings?: SessionSettings }) {
    this.#listenUrl = options.listenUrl;
    this.logger = options.logger;
    // A notification lost in a crash is harmless (listeners re-read on reconnect): no wait for the WAL flush.
    this.#publisher = createPool({
      databaseUrl: options.publishUrl,
      max: 1,
      name: 'eventogate-publish',
      logger: options.logger,
      settings: { ...options.settings, synchronous_commit: 'off' },
      pooler: options.pooler ?? false,
    });
  }

  async start(): Promise<void> {
    await this.#connect(0, { failFast: true });
  }

  /** True while the listening connection is up (readiness reports it). */
  get listening(): boolean {
    return this.#listener !== null;
  }

  async publish(channel: string, payload: string): Promise<void> {
    await notify(this.#publisher, channel, payload);
  }

  async subscribe(channel: string, handler: Handler): Promise<() => Promise<void>> {
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      if (this.#listener) await listen(this.#listener, channel).catch(() => undefined);
    }
    handlers.add(handler);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0) {
        this.#handlers.delete(channel);
        if (this.#listener) await unlisten(this.#listener, channel).catch(() => undefined);
      }
    };
  }

  /**
   * Called after the listener reconnected (not on the first connection): messages sent since `lostAt` may have
   * been missed.
   */
  onReconnect(handler: (info: { lostAt: Date }) => void): () => void {
    this.#reconnectHandlers.add(handler);
    return () => this.#reconnectHandlers.delete(handler);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const listener = this.#listener;
    this.#listener = null;
    await listener?.end().catch(() => undefined);
    await this.#publisher.end();
  }

  /** `attempt` 0 is the first connection at start-up; every later one is a reconnection. */
  async #connect(attempt: number, options: { failFast?: boolean } = {}): Promise<void> {
    const client = new pg.Client({ connectionString: this.#listenUrl, application_name: 'eventogate-listen', keepAlive: true });
    client.on('notification', (message) => {
      for (const handler of this.#handlers.get(message.channel) ?? []) {
        try {
          handler(message.payload ?? '');
        } catch (error) {
          this.logger.error({ err: error, channel: message.channel }, 'pub/sub handler failed');
        }
      }
    });
    let lost = false;
    let connected = false;
    const reconnect = (error: Error) => {
      if (lost || this.#closed) return;
      lost = true;
      if (this.#listener === client) this.#listener = null;
      this.#lostAt ??= new Date();
      // A connection that had worked starts the backoff again from 100 ms; failed attempts double it, up to 1 s
      // (readiness waits for this connection: a database back from a restart makes the process ready within a second).
      const next = connected ? 1 : attempt + 1;
      this.logger.warn({ err: error, attempt: next }, 'pub/sub listener lost; reconnecting');
      client.end().catch(() => undefined);
      this.#reconnectTimer = setTimeout(() => void this.#connect(next), Math.min(100 * 2 ** (next - 1), 1_000));
    };
    // Registered before connecting: an error at any point (even while connecting) is handled, never uncaught.
    client.on('error', reconnect);
    client.on('end', () => reconnect(new Error('connection ended')));
    try {
      await client.connect();
      for (const channel of this.#handlers.keys()) await listen(client, channel);
    } catch (error) {
      if (options.failFast) {
        lost = true;
        await client.end().catch(() => undefined);
        throw error;
      }
      reconnect(error as Error);
      return;
    }
    connected = true;
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#listener = client;
    const lostAt = this.#lostAt;
    this.#lostAt = null;
    if (attempt > 0 && lostAt) {
      this.logger.info({ attempts: attempt, lostAt }, 'pub/sub listener reconnected');
      for (const handler of this.#reconnectHandlers) {
        try {
          handler({ lostAt });
        } catch (error) {
          this.logger.error({ err: error }, 'pub/sub reconnect handler failed');
        }
      }
    }
  }
}
