import type { Deps } from '../../deps.ts';
import type { Attendee, TicketType } from '../../generated/prisma/client.ts';
import type { PgPubSub } from '../../lib/pubsub.ts';

const CHANNEL = 'eventogate_live';
const FLUSH_MS = 5;

export type LiveKind = 'checked_in' | 'registered' | 'changed';

interface LiveMessage {
  kind: LiveKind;
  eventId: string;
  attendeeId: string;
}

export interface EventStats {
  registered: number;
  checkedIn: number;
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
 * per message and hands the same result to all of its subscribers of that event.
 */
export class LiveFeed {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #outbox: LiveMessage[] = [];
  #flushTimer: NodeJS.Timeout | null = null;
  #deps: Pick<Deps, 'prisma' | 'logger'> | null = null;

  constructor(private readonly pubsub: PgPubSub) {}

  async start(deps: Pick<Deps, 'prisma' | 'logger'>, options: { receive: boolean } = { receive: true }): Promise<void> {
    this.#deps = deps;
    if (options.receive) await this.pubsub.subscribe(CHANNEL, (payload) => void this.#receive(payload));
  }

  /**
   * After commit. Messages of the next 5 ms go out together as one NOTIFY (a JSON array, well under the
   * 8 KB limit), so a busy door does not cost a round trip, and every process a wake-up, per scan.
   * Test-mode attendees are not shown.
   */
  async publish(message: LiveMessage & { testMode: boolean }): Promise<void> {
    if (message.testMode) return;
    this.#outbox.push({ kind: message.kind, eventId: message.eventId, attendeeId: message.attendeeId });
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    this.#flushTimer = null;
    while (this.#outbox.length > 0) {
      const batch = this.#outbox.splice(0, 50);
      this.pubsub.publish(CHANNEL, JSON.stringify(batch)).catch((error: unknown) => this.#deps?.logger.error({ err: error }, 'live feed could not publish'));
    }
  }

  /** Updates for one event, as an async iterator that ends when the consumer stops. */
  subscribe(eventId: string): AsyncGenerator<LiveUpdate> {
    const queue: LiveUpdate[] = [];
    let wake: (() => void) | null = null;
    const listener: Listener = (update) => {
      queue.push(update);
      wake?.();
    };
    let listeners = this.#listeners.get(eventId);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(eventId, listeners);
    }
    listeners.add(listener);
    const remove = () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(eventId);
    };
    return (async function* () {
      try {
        for (;;) {
          while (queue.length > 0) yield queue.shift() as LiveUpdate;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      } finally {
        remove();
      }
    })();
  }

  /** Live-mode counts, kept by triggers on attendees (a few shard rows, whatever the event's size). */
  async stats(eventId: string): Promise<EventStats> {
    const prisma = this.#requireDeps().prisma;
    const [row] = await prisma.$queryRaw<Array<{ registered: number; checked_in: number }>>`
      SELECT coalesce(sum(registered), 0)::int AS registered, coalesce(sum(checked_in), 0)::int AS checked_in
      FROM event_attendee_counts WHERE event_id = ${eventId} AND NOT test_mode`;
    return { registered: row?.registered ?? 0, checkedIn: row?.checked_in ?? 0 };
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
    const listeners = this.#listeners.get(message.eventId);
    if (!listeners || listeners.size === 0) return;
    try {
      const deps = this.#requireDeps();
      const [attendee, stats] = await Promise.all([
        deps.prisma.attendee.findUnique({ where: { id: message.attendeeId }, include: { ticketType: true } }),
        this.stats(message.eventId),
      ]);
      if (!attendee) return;
      const update: LiveUpdate = { kind: message.kind, eventId: message.eventId, attendee, stats };
      for (const listener of listeners) listener(update);
    } catch (error) {
      this.#deps?.logger.error({ err: error, message }, 'live feed could not load an update');
    }
  }

  #requireDeps() {
    if (!this.#deps) throw new Error('LiveFeed used before start()');
    return this.#deps;
  }
}
