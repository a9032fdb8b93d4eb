import { z } from 'zod';
import type { Sql } from '../../db/sql.ts';
import { parseInput } from '../../lib/validation.ts';
import { countRows, registrationBuckets } from './events.sql.ts';
import type { QuotaRow } from './seats.sql.ts';
import { readSharedLimits, SeatLedger } from './seats.ts';

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
  /** The event's quotas (empty for most events). */
  quotas: readonly QuotaRow[];
  /** Seats by every limit — capacities, quotas, seats held for codes — as registration counts them (seats.ts). */
  ledger: SeatLedger;
  testMode: boolean;
  eventId: string;
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
const noEvent = (eventId: string, testMode: boolean): EventCounts => ({
  capacity: null,
  ticketTypes: [],
  total: ZERO,
  byTicketType: new Map(),
  quotas: [],
  ledger: new SeatLedger({ events: new Map(), ticketTypes: new Map(), quotas: [], reservations: [] }, new Map()),
  testMode,
  eventId,
});

/**
 * The counts of several events in one statement, with their capacities: per ticket type, the shard rows the
 * attendee triggers keep (migration 20261203140000_dashboard_counts), a few per event and ticket type whatever the
 * number of attendees. A missing event reads as empty and unlimited.
 */
export async function readEventCounts(
  sql: Sql,
  eventIds: readonly string[],
  testMode: boolean,
  /** The database's time (deps.clock): codes past their validUntil hold no seats. */
  now: Date = new Date(),
): Promise<Map<string, EventCounts>> {
  const rows = await countRows(sql, eventIds, testMode);
  type Building = {
    sharedLimits: boolean;
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
      event = { sharedLimits: row.shared_limits, capacity: row.event_capacity, ticketTypes: [], total: { ...ZERO }, byTicketType: new Map() };
      counts.set(row.event_id, event);
    }
    event.ticketTypes.push({ id: row.ticket_type_id, capacity: row.ticket_type_capacity });
    event.byTicketType.set(row.ticket_type_id, typeCounts);
    for (const key of Object.keys(ZERO) as Array<keyof AttendeeCounts>) event.total[key] += typeCounts[key];
  }
  const shared = await readSharedLimits(
    sql,
    [...counts].filter(([, e]) => e.sharedLimits).map(([id]) => id),
    now,
  );
  const taken = new Map<string, number>();
  for (const [id, event] of counts) {
    taken.set(`${id}\n${testMode}`, event.total.registered);
    for (const [typeId, typeCounts] of event.byTicketType) taken.set(`${typeId}\n${testMode}`, typeCounts.registered);
  }
  const ledger = new SeatLedger(
    {
      events: new Map([...counts].map(([id, e]) => [id, e.capacity])),
      ticketTypes: new Map([...counts.values()].flatMap((e) => e.ticketTypes.map((t) => [t.id, t.capacity] as const))),
      ...shared,
    },
    taken,
  );
  return new Map(
    eventIds.map((id) => {
      const event = counts.get(id);
      if (!event) return [id, noEvent(id, testMode)];
      const { sharedLimits: _shared, ...rest } = event;
      return [id, { ...rest, quotas: shared.quotas.filter((q) => q.event_id === id), ledger, testMode, eventId: id }];
    }),
  );
}

export function ticketTypeCounts(counts: EventCounts, ticketTypeId: string): AttendeeCounts {
  return counts.byTicketType.get(ticketTypeId) ?? ZERO;
}

/**
 * Seats still open for one ticket type to a registration without a code: the tightest of the event's capacity, the
 * type's, its quotas', less the seats held for codes' holders (null: nothing limits it). The same rule registration
 * enforces under its locks; read here without them, so a number that was right when read.
 */
export function ticketTypeRemaining(counts: EventCounts, ticketTypeId: string, accessCodeId: string | null = null): number | null {
  return counts.ledger.available({ eventId: counts.eventId, ticketTypeId, testMode: counts.testMode, accessCodeId });
}

/** A quota's seats taken (its types' held seats) and still open to a registration without a code. */
export function quotaCounts(counts: EventCounts, quotaId: string): { registered: number; remaining: number } {
  const quota = counts.quotas.find((q) => q.id === quotaId);
  if (!quota) return { registered: 0, remaining: 0 };
  const registered = quota.ticket_type_ids.reduce((sum, id) => sum + ticketTypeCounts(counts, id).registered, 0);
  return { registered, remaining: counts.ledger.limitRemaining({ kind: 'quota', id: quotaId, name: quota.name }, counts.eventId, counts.testMode) };
}

export function eventStats(counts: EventCounts): EventStats {
  const held = counts.ledger.limitRemaining({ kind: 'event', id: counts.eventId }, counts.eventId, counts.testMode);
  const eventLeft = counts.capacity === null ? null : held;
  // Every ticket type limited (by its capacity or a quota): together they bound the event even without an event
  // capacity. Types sharing a quota count it once (for a type in two quotas, an upper bound).
  const typesLeft = counts.ticketTypes.length > 0 && counts.ticketTypes.every((t) => ticketTypeRemaining(counts, t.id) !== null) ? boundByQuotas(counts) : null;
  const capacityRemaining = eventLeft === null ? typesLeft : typesLeft === null ? eventLeft : Math.min(eventLeft, typesLeft);
  return { ...counts.total, capacityRemaining };
}

function boundByQuotas(counts: EventCounts): number {
  let total = 0;
  const counted = new Set<string>();
  for (const quota of counts.quotas) {
    const types = quota.ticket_type_ids.filter((id) => !counted.has(id));
    const sum = types.reduce((s, id) => s + (ticketTypeRemaining(counts, id) ?? 0), 0);
    total += Math.min(sum, quotaCounts(counts, quota.id).remaining);
    for (const id of types) counted.add(id);
  }
  for (const t of counts.ticketTypes) if (!counted.has(t.id)) total += ticketTypeRemaining(counts, t.id) ?? 0;
  return total;
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
