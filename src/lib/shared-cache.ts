import { LRUCache } from 'lru-cache';
import type { PgPubSub } from './pubsub.ts';

const CHANNEL = 'eventogate_cache_invalidate';

/**
 * Read-through caches for data every request needs but that rarely changes (an API key's owner, an
 * event's ticket types and fields). A write calls `invalidate`, which drops the entry here at once and,
 * through LISTEN/NOTIFY, in every other process within milliseconds; the TTL bounds staleness should a
 * notification ever be missed (listener reconnecting).
 */
export class SharedCache<V extends {}> {
  readonly #cache: LRUCache<string, V>;

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
      if (name === this.name && key) this.#cache.delete(key);
    });
  }

  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const hit = this.#cache.get(key);
    if (hit !== undefined) return hit;
    const value = await load();
    if (value !== null) this.#cache.set(key, value);
    return value;
  }

  /** After a committed write that changes `key`. */
  async invalidate(key: string): Promise<void> {
    this.#cache.delete(key);
    await this.pubsub.publish(CHANNEL, `${this.name}:${key}`);
  }
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}
