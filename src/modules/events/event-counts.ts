import { z } from 'zod';
import type { Sql } from '../../db/sql.ts';
import { parseInput } from '../../lib/validation.ts';

/**
 * An event's attendee counts in one mode (live, or test for eg_test_ keys). `registered` is everyone holding a
 * seat: not cancelled, so checked-in and no-show attendees included (CONTRACT §9, the seed's eventStats).
 */
export interface AttendeeCounts {
  registered: number;
  checkedIn: number;
  cancelled: number;
  noShow: number;
}

export interface EventStats extends AttendeeCounts {
  /** Seats a registration could still take; null when neither the event nor every ticket type is limited. */
  capacityRemaining: number | null;
}

export interface EventCounts {
  total: AttendeeCounts;
  byTicketType: ReadonlyMap<string, AttendeeCounts>;
}

/** What the seat arithmetic needs of an event. */
export interface EventCapacities {
  capacity: number | null;
  ticketTypes: ReadonlyArray<{ id: string; capacity: number | null }>;
}

const ZERO: AttendeeCounts = Object.freeze({ registered: 0, checkedIn: 0, cancelled: 0, noShow: 0 });
const NO_COUNTS: EventCounts = Object.freeze({ total: ZERO, byTicketType: new Map() });

interface CountRow {
  event_id: string;
  ticket_type_id: string;
  registered: number;
  checked_in: number;
  cancelled: number;
  no_show: number;
}

/**
 * The counts of several events in one statement: the shard rows the attendee triggers keep (migration
 * 20261203140000_dashboard_counts), a few per event and ticket type, whatever the number of attendees.
 */
export async function readEventCounts(sql: Sql, eventIds: readonly string[], testMode: boolean): Promise<Map<string, EventCounts>> {
  const rows = await sql.query<CountRow>(
    `SELECT event_id, ticket_type_id, sum(registered)::int AS registered, sum(checked_in)::int AS checked_in,
            sum(cancelled)::int AS cancelled, sum(no_show)::int AS no_show
     FROM event_attendee_counts WHERE event_id = ANY($1::text[]) AND test_mode = $2 GROUP BY event_id, ticket_type_id`,
    [eventIds, testMode],
  );
  const counts = new Map<string, { total: AttendeeCounts; byTicketType: Map<string, AttendeeCounts> }>();
  for (const row of rows) {
    const typeCounts = { registered: row.registered, checkedIn: row.checked_in, cancelled: row.cancelled, noShow: row.no_show };
    let event = counts.get(row.event_id);
    if (!event) {
      event = { total: { ...ZERO }, byTicketType: new Map() };
      counts.set(row.event_id, event);
    }
    event.byTicketType.set(row.ticket_type_id, typeCounts);
    for (const key of Object.keys(ZERO) as Array<keyof AttendeeCounts>) event.total[key] += typeCounts[key];
  }
  return new Map(eventIds.map((id) => [id, counts.get(id) ?? NO_COUNTS]));
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
export function ticketTypeRemaining(
  event: { capacity: number | null },
  ticketType: { id: string; capacity: number | null },
  counts: EventCounts,
): number | null {
  const eventLeft = event.capacity === null ? null : left(event.capacity, counts.total.registered);
  if (ticketType.capacity === null) return eventLeft;
  const typeLeft = left(ticketType.capacity, ticketTypeCounts(counts, ticketType.id).registered);
  return eventLeft === null ? typeLeft : Math.min(typeLeft, eventLeft);
}

export function eventStats(event: EventCapacities, counts: EventCounts): EventStats {
  const eventLeft = event.capacity === null ? null : left(event.capacity, counts.total.registered);
  // Every ticket type limited: together they bound the event even without an event capacity.
  const typesLeft =
    event.ticketTypes.length > 0 && event.ticketTypes.every((t) => t.capacity !== null)
      ? event.ticketTypes.reduce((sum, t) => sum + left(t.capacity ?? 0, ticketTypeCounts(counts, t.id).registered), 0)
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
  const rows = await sql.query<{ start: Date; count: number }>(
    `WITH counts AS (
       SELECT date_trunc($5, registered_at AT TIME ZONE $6) AS local_start, count(*)::int AS n
       FROM attendees WHERE event_id = $1 AND test_mode = $2 AND registered_at >= $3 AND registered_at < $4
       GROUP BY 1)
     SELECT s.local_start AT TIME ZONE $6 AS start, coalesce(c.n, 0)::int AS count
     FROM generate_series(date_trunc($5, $3::timestamptz AT TIME ZONE $6), ($4::timestamptz AT TIME ZONE $6) - interval '1 microsecond',
                          ('1 ' || $5)::interval) AS s(local_start)
     LEFT JOIN counts c ON c.local_start = s.local_start
     ORDER BY s.local_start`,
    [event.id, options.testMode, from, to, unit, event.timezone],
  );
  return rows.map((row) => ({ start: row.start, count: row.count }));
}
