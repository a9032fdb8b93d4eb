import { z } from 'zod';
import type { Sql } from '../../db/sql.ts';
import { parseInput } from '../../lib/validation.ts';
import { countRows, registrationBuckets } from './events.sql.ts';

/**
 * An event's attendee counts in one mode (live, or test for eg_test_ keys). `registered` is everyone holding a
 * seat: checked-in and no-show attendees included (CONTRACT §9, the seed's eventStats), and seats held for an offer
 * (`offered`, also counted on its own). Waitlisted, pending and declined people hold none.
 */
export interface AttendeeCounts {
  registered: number;
  checkedIn: number;
  cancelled: number;
  noShow: number;
  waitlisted: number;
  offered: number;
  pendingApproval: number;
  declined: number;
}

export interface EventStats extends AttendeeCounts {
  /** Seats a registration could still take; null when neither the event nor every ticket type is limited. */
  capacityRemaining: number | null;
}

/** An event's counts in one mode, with the capacities they are measured against, read together. */
export interface EventCounts {
  /** The event's capacity (null: unlimited) and its ticket types' (null: only the event's applies). */
  capacity: number | null;
  ticketTypes: ReadonlyArray<{ id: string; capacity: number | null }>;
  total: AttendeeCounts;
  byTicketType: ReadonlyMap<string, AttendeeCounts>;
}

const ZERO: AttendeeCounts = Object.freeze({
  registered: 0,
  checkedIn: 0,
  cancelled: 0,
  noShow: 0,
  waitlisted: 0,
  offered: 0,
  pendingApproval: 0,
  declined: 0,
});
const NO_EVENT: EventCounts = Object.freeze({ capacity: null, ticketTypes: [], total: ZERO, byTicketType: new Map() });

/**
 * The counts of several events in one statement, with their capacities: per ticket type, the shard rows the
 * attendee triggers keep (migration 20261203140000_dashboard_counts), a few per event and ticket type whatever the
 * number of attendees. A missing event reads as empty and unlimited.
 */
export async function readEventCounts(sql: Sql, eventIds: readonly string[], testMode: boolean): Promise<Map<string, EventCounts>> {
  const rows = await countRows(sql, eventIds, testMode);
  type Building = {
    capacity: number | null;
    ticketTypes: EventCounts['ticketTypes'][number][];
    total: AttendeeCounts;
    byTicketType: Map<string, AttendeeCounts>;
  };
  const counts = new Map<string, Building>();
  for (const row of rows) {
    const typeCounts: AttendeeCounts = {
      registered: row.registered,
      checkedIn: row.checked_in,
      cancelled: row.cancelled,
      noShow: row.no_show,
      waitlisted: row.waitlisted,
      offered: row.offered,
      pendingApproval: row.pending_approval,
      declined: row.declined,
    };
    let event = counts.get(row.event_id);
    if (!event) {
      event = { capacity: row.event_capacity, ticketTypes: [], total: { ...ZERO }, byTicketType: new Map() };
      counts.set(row.event_id, event);
    }
    event.ticketTypes.push({ id: row.ticket_type_id, capacity: row.ticket_type_capacity });
    event.byTicketType.set(row.ticket_type_id, typeCounts);
    for (const key of Object.keys(ZERO) as Array<keyof AttendeeCounts>) event.total[key] += typeCounts[key];
  }
  return new Map(eventIds.map((id) => [id, counts.get(id) ?? NO_EVENT]));
}

export function ticketTypeCounts(counts: EventCounts, ticketTypeId: string): AttendeeCounts {
  return counts.byTicketType.get(ticketTypeId) ?? ZERO;
}

const left = (capacity: number, taken: number) => Math.max(0, capacity - taken);

/**
 * Seats still open for one ticket type: its own capacity and the event's, whichever is tighter (null: neither
 * is limited). The same rule registration enforces under its locks; read here without them, so a number that
 * was right when read.
 */
export function ticketTypeRemaining(counts: EventCounts, ticketTypeId: string): number | null {
  const eventLeft = counts.capacity === null ? null : left(counts.capacity, counts.total.registered);
  const capacity = counts.ticketTypes.find((t) => t.id === ticketTypeId)?.capacity ?? null;
  if (capacity === null) return eventLeft;
  const typeLeft = left(capacity, ticketTypeCounts(counts, ticketTypeId).registered);
  return eventLeft === null ? typeLeft : Math.min(typeLeft, eventLeft);
}

export function eventStats(counts: EventCounts): EventStats {
  const eventLeft = counts.capacity === null ? null : left(counts.capacity, counts.total.registered);
  // Every ticket type limited: together they bound the event even without an event capacity.
  const typesLeft =
    counts.ticketTypes.length > 0 && counts.ticketTypes.every((t) => t.capacity !== null)
      ? counts.ticketTypes.reduce((sum, t) => sum + left(t.capacity ?? 0, ticketTypeCounts(counts, t.id).registered), 0)
      : null;
  const capacityRemaining = eventLeft === null ? typesLeft : typesLeft === null ? eventLeft : Math.min(eventLeft, typesLeft);
  return { ...counts.total, capacityRemaining };
}

export type TimeBucketSize = 'HOUR' | 'DAY';
export interface TimeBucket {
  start: Date;
  count: number;
}

/** Charts stay small: a longer range needs DAY buckets or a narrower window. */
export const MAX_TIME_BUCKETS = 1_000;
const BUCKET_MS: Record<TimeBucketSize, number> = { HOUR: 3_600_000, DAY: 86_400_000 };

const OverTimeInput = z.object({ bucket: z.enum(['HOUR', 'DAY']), from: z.date().nullish(), to: z.date().nullish() }).transform((input, ctx) => {
  const to = input.to ?? new Date();
  const from = input.from ?? new Date(to.getTime() - 30 * BUCKET_MS.DAY);
  if (from >= to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'The from field must be before to.' });
  else if ((to.getTime() - from.getTime()) / BUCKET_MS[input.bucket] > MAX_TIME_BUCKETS) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: `At most ${MAX_TIME_BUCKETS} buckets: narrow from/to or use DAY buckets.` });
  }
  return { bucket: input.bucket, from, to };
});

/**
 * Registrations made per hour or day (cancelled ones included: they were registrations) in the event's time
 * zone, every bucket of [from, to) present, empty ones with 0. Defaults: the 30 days up to now. Counted from
 * the registration-order index, bounded by the range.
 */
export async function registrationsOverTime(
  sql: Sql,
  event: { id: string; timezone: string },
  options: { testMode: boolean; input: unknown },
): Promise<TimeBucket[]> {
  const { bucket, from, to } = parseInput(OverTimeInput, options.input);
  const unit = bucket === 'HOUR' ? 'hour' : 'day';
  return await registrationBuckets(sql, { eventId: event.id, testMode: options.testMode, from, to, unit, timezone: event.timezone });
}
