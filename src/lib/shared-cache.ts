import { LRUCache } from 'lru-cache';
import type { PgPubSub } from './pubsub.ts';

const CHANNEL = 'eventogate_cache_invalidate';

/**
 * Read-through caches for data every request needs but that rarely changes (an API key's owner, an
 * event's ticket types and fields). A write calls `invalidate`, which drops the entry here at once and,
 * through LISTEN/NOTIFY, in every other process within milliseconds. The TTL bounds staleness should a
 * notification ever be missed; when the listener had to reconnect (notifications may have been lost), every
 * entry is dropped.
 *
 * A load that was already running when its key was invalidated must not put what it read back: it may have
 * read the row before the write committed, and would then serve the old value for a whole TTL (an API key
 * revoked, still accepted). Each load carries a ticket that an invalidation of its key (or a clear) cancels.
 */
export class SharedCache<V extends {}> {
  readonly #cache: LRUCache<string, V>;
  readonly #loading = new Map<string, Set<{ cancelled: boolean }>>();

  constructor(
    private readonly name: string,
    private readonly pubsub: PgPubSub,
    options: { max: number; ttlMs: number },
  ) {
    this.#cache = new LRUCache<string, V>({ max: options.max, ttl: options.ttlMs });
  }

  async start(): Promise<void> {
    await this.pubsub.subscribe(CHANNEL, (message) => {
      const [name, key] = splitOnce(message, ':');
      if (name === this.name && key) this.#drop(key);
    });
    this.pubsub.onReconnect(() => this.clear());
  }

  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const hit = this.#cache.get(key);
    if (hit !== undefined) return hit;
    const ticket = { cancelled: false };
    let tickets = this.#loading.get(key);
    if (!tickets) {
      tickets = new Set();
      this.#loading.set(key, tickets);
    }
    tickets.add(ticket);
    try {
      const value = await load();
      if (value !== null && !ticket.cancelled) this.#cache.set(key, value);
      return value;
    } finally {
      tickets.delete(ticket);
      if (tickets.size === 0 && this.#loading.get(key) === tickets) this.#loading.delete(key);
    }
  }

  /** After a committed write that changes `key`. */
  async invalidate(key: string): Promise<void> {
    this.#drop(key);
    await this.pubsub.publish(CHANNEL, `${this.name}:${key}`);
  }

  /** Forgets everything this process holds (after missed notifications). */
  clear(): void {
    this.#cache.clear();
    for (const tickets of this.#loading.values()) for (const ticket of tickets) ticket.cancelled = true;
  }

  #drop(key: string): void {
    this.#cache.delete(key);
    for (const ticket of this.#loading.get(key) ?? []) ticket.cancelled = true;
  }
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}
