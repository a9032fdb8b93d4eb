import { LRUCache } from 'lru-cache';
import { prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, TicketType } from '../../generated/prisma/client.ts';
import type { PgPubSub } from '../../lib/pubsub.ts';
import { type EventStats, eventStats, readEventCounts } from '../events/index.ts';

const CHANNEL = 'eventogate_live';
const FLUSH_MS = 5;
/** Changes committed this long before the listener noticed it was cut off are re-read too. */
const RESYNC_MARGIN_MS = 2_000;
const RESYNC_LIMIT = 1_000;

export type LiveKind = 'checked_in' | 'registered' | 'changed';

interface LiveMessage {
  kind: LiveKind;
  eventId: string;
  attendeeId: string;
  testMode: boolean;
}

export type LiveAttendee = Attendee & { ticketType: TicketType };

export interface LiveUpdate {
  kind: LiveKind;
  eventId: string;
  attendee: LiveAttendee;
  stats: EventStats;
}

type Listener = (update: LiveUpdate) => void;

/**
 * Live feeds across processes. A change is published after its transaction commits, as a small NOTIFY
 * (ids only: NOTIFY carries at most 8 KB). Every process re-reads the attendee and the event's counts once
 * per message and hands the same result to all of its subscribers of that event and mode: live subscribers
 * (dashboards, live keys) see live attendees, test keys only test attendees (CONTRACT §3).
 *
 * When the listening connection was lost (a database restart), the notifications of that gap are gone: after
 * reconnecting, every event somebody watches is re-read for changes since shortly before the loss, and those
 * are delivered (minus what was already delivered), so a dashboard misses nothing.
 */
export class LiveFeed {
  /** `${eventId}:${testMode}` → listeners. */
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #outbox: LiveMessage[] = [];
  /** `${kind}:${attendeeId}:${updatedAt}` of recent deliveries, so a resync does not repeat them. */
  readonly #delivered = new LRUCache<string, true>({ max: 20_000, ttl: 5 * 60_000 });
  #flushTimer: NodeJS.Timeout | null = null;
  #deps: Pick<Deps, 'prisma' | 'logger'> | null = null;
  #unsubscribe: Array<() => unknown> = [];

  constructor(private readonly pubsub: PgPubSub) {}

  async start(deps: Pick<Deps, 'prisma' | 'logger'>, options: { receive: boolean } = { receive: true }): Promise<void> {
    this.#deps = deps;
    if (!options.receive) return;
    this.#unsubscribe.push(await this.pubsub.subscribe(CHANNEL, (payload) => void this.#receive(payload)));
    this.#unsubscribe.push(this.pubsub.onReconnect(({ lostAt }) => void this.#resync(lostAt)));
  }

  /**
   * After commit. Messages of the next 5 ms go out together as one NOTIFY (a JSON array, well under the
   * 8 KB limit), so a busy door does not cost a round trip, and every process a wake-up, per scan.
   */
  async publish(message: LiveMessage): Promise<void> {
    this.#outbox.push({ kind: message.kind, eventId: message.eventId, attendeeId: message.attendeeId, testMode: message.testMode });
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    this.#flushTimer = null;
    while (this.#outbox.length > 0) {
      const batch = this.#outbox.splice(0, 50);
      this.pubsub.publish(CHANNEL, JSON.stringify(batch)).catch((error: unknown) => this.#deps?.logger.error({ err: error }, 'live feed could not publish'));
    }
  }

  /** Calls `listener` with every update of one event in one mode until the returned function is called. */
  subscribe(eventId: string, options: { testMode: boolean }, listener: Listener): () => void {
    const key = listenerKey(eventId, options.testMode);
    let listeners = this.#listeners.get(key);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(key, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#listeners.get(key) === listeners) this.#listeners.delete(key);
    };
  }

  /** How many subscriptions this process serves. */
  get subscriberCount(): number {
    let count = 0;
    for (const listeners of this.#listeners.values()) count += listeners.size;
    return count;
  }

  /** One mode's counts, kept by triggers on attendees (a few shard rows, whatever the event's size). */
  async stats(eventId: string, options: { testMode: boolean }): Promise<EventStats> {
    const counts = await readEventCounts(prismaSql(this.#requireDeps().prisma), [eventId], options.testMode);
    return eventStats(counts.get(eventId)!);
  }

  close(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flush();
    for (const unsubscribe of this.#unsubscribe.splice(0)) void unsubscribe();
  }

  async #receive(payload: string): Promise<void> {
    let messages: LiveMessage[];
    try {
      messages = JSON.parse(payload) as LiveMessage[];
    } catch {
      return;
    }
    for (const message of messages) await this.#deliver(message);
  }

  async #deliver(message: LiveMessage): Promise<void> {
    const listeners = this.#listeners.get(listenerKey(message.eventId, message.testMode));
    if (!listeners || listeners.size === 0) return;
    try {
      const deps = this.#requireDeps();
      const [attendee, stats] = await Promise.all([
        deps.prisma.attendee.findUnique({ where: { id: message.attendeeId }, include: { ticketType: true } }),
        this.stats(message.eventId, { testMode: message.testMode }),
      ]);
      if (!attendee || attendee.testMode !== message.testMode) return;
      this.#hand(listeners, { kind: message.kind, eventId: message.eventId, attendee, stats });
    } catch (error) {
      this.#deps?.logger.error({ err: error, message }, 'live feed could not load an update');
    }
  }

  #hand(listeners: Set<Listener>, update: LiveUpdate): void {
    const key = `${update.kind}:${update.attendee.id}:${update.attendee.updatedAt.getTime()}`;
    if (this.#delivered.has(key)) return;
    this.#delivered.set(key, true);
    for (const listener of listeners) listener(update);
  }

  /** Re-reads what changed in every watched event since shortly before the listener was lost. */
  async #resync(lostAt: Date): Promise<void> {
    const since = new Date(lostAt.getTime() - RESYNC_MARGIN_MS);
    for (const [key, listeners] of this.#listeners) {
      const [eventId, mode] = key.split(':') as [string, string];
      const testMode = mode === 'test';
      try {
        const deps = this.#requireDeps();
        const changed = await deps.prisma.attendee.findMany({
          where: { eventId, testMode, updatedAt: { gte: since } },
          include: { ticketType: true },
          orderBy: { updatedAt: 'asc' },
          take: RESYNC_LIMIT,
        });
        if (changed.length === 0) continue;
        const stats = await this.stats(eventId, { testMode });
        for (const attendee of changed) {
          const kind: LiveKind =
            attendee.registeredAt >= since ? 'registered' : attendee.checkedInAt && attendee.checkedInAt >= since ? 'checked_in' : 'changed';
          this.#hand(listeners, { kind, eventId, attendee, stats });
          // A registration checked in during the gap is both.
          if (kind === 'registered' && attendee.checkedInAt && attendee.checkedInAt >= since) {
            this.#hand(listeners, { kind: 'checked_in', eventId, attendee, stats });
          }
        }
        deps.logger.info({ eventId, testMode, updates: changed.length }, 'live feed re-read changes missed while the listener was down');
      } catch (error) {
        this.#deps?.logger.error({ err: error, eventId }, 'live feed could not re-read missed changes');
      }
    }
  }

  #requireDeps() {
    if (!this.#deps) throw new Error('LiveFeed used before start()');
    return this.#deps;
  }
}

function listenerKey(eventId: string, testMode: boolean): string {
  return `${eventId}:${testMode ? 'test' : 'live'}`;
}
