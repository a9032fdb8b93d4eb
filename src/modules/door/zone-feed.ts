import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { PgPubSub } from '../../lib/pubsub.ts';
import { readZoneOccupancy, type ZoneOccupancy } from './door.sql.ts';

const CHANNEL = 'eventogate_zones';
const FLUSH_MS = 5;

type Listener = (zones: ZoneOccupancy[]) => void;

/**
 * Zone occupancy across processes: after a scan moves someone (commit), its event id is NOTIFYed (coalesced over
 * 5 ms); each process re-reads that event's zones once and hands the list to all its subscribers. After the
 * listening connection was lost, every watched event is re-read, so nobody keeps a stale number.
 */
export class ZoneFeed {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #pending = new Set<string>();
  #flushTimer: NodeJS.Timeout | null = null;
  #deps: Pick<Deps, 'pool' | 'logger'> | null = null;
  #unsubscribe: Array<() => unknown> = [];

  constructor(private readonly pubsub: PgPubSub) {}

  async start(deps: Pick<Deps, 'pool' | 'logger'>, options: { receive: boolean }): Promise<void> {
    this.#deps = deps;
    if (!options.receive) return;
    this.#unsubscribe.push(await this.pubsub.subscribe(CHANNEL, (payload) => void this.#receive(payload)));
    this.#unsubscribe.push(this.pubsub.onReconnect(() => void this.#receive(JSON.stringify([...this.#listeners.keys()]))));
  }

  /** After commit: somebody entered or left a zone of `eventId`. */
  async changed(eventId: string): Promise<void> {
    this.#pending.add(eventId);
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    this.#flushTimer = null;
    const events = [...this.#pending];
    this.#pending.clear();
    for (let i = 0; i < events.length; i += 100) {
      this.pubsub
        .publish(CHANNEL, JSON.stringify(events.slice(i, i + 100)))
        .catch((error: unknown) => this.#deps?.logger.error({ err: error }, 'zone feed could not publish'));
    }
  }

  /** The event's zones now. */
  async read(eventId: string): Promise<ZoneOccupancy[]> {
    if (!this.#deps) throw new Error('ZoneFeed used before start()');
    return await readZoneOccupancy(poolSql(this.#deps), eventId);
  }

  subscribe(eventId: string, listener: Listener): () => void {
    let listeners = this.#listeners.get(eventId);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(eventId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#listeners.get(eventId) === listeners) this.#listeners.delete(eventId);
    };
  }

  close(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flush();
    for (const unsubscribe of this.#unsubscribe.splice(0)) void unsubscribe();
  }

  async #receive(payload: string): Promise<void> {
    let events: string[];
    try {
      events = JSON.parse(payload) as string[];
    } catch {
      return;
    }
    for (const eventId of events) {
      const listeners = this.#listeners.get(eventId);
      if (!listeners || listeners.size === 0) continue;
      try {
        const zones = await this.read(eventId);
        for (const listener of listeners) listener(zones);
      } catch (error) {
        this.#deps?.logger.error({ err: error, eventId }, 'zone feed could not read occupancy');
      }
    }
  }
}
