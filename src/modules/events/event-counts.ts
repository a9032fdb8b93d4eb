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

/** An event's counts in one mode, with the capacities they are measured against, read together. */
export interface EventCounts {
  /** The event's capacity (null: unlimited) and its ticket types' (null: only the event's applies). */
  capacity: number | null;
  ticketTypes: ReadonlyArray<{ id: string; capacity: number | null }>;
  total: AttendeeCounts;
  byTicketType: ReadonlyMap<string, AttendeeCounts>;
}

const ZERO: AttendeeCounts = Object.freeze({ registered: 0, checkedIn: 0, cancelled: 0, noShow: 0 });
const NO_EVENT: EventCounts = Object.freeze({ capacity: null, ticketTypes: [], total: ZERO, byTicketType: new Map() });

interface CountRow {
  event_id: string;
  event_capacity: number | null;
  ticket_type_id: string;
  ticket_type_capacity: number | null;
  registered: number;
  checked_in: number;
  cancelled: number;
  no_show: number;
}

/**
 * The counts of several events in one statement, with their capacities: per ticket type, the shard rows the
 * attendee triggers keep (migration 20261203140000_dashboard_counts), a few per event and ticket type whatever the
 * number of attendees. A missing event reads as empty and unlimited.
 */
export async function readEventCounts(sql: Sql, eventIds: readonly string[], testMode: boolean): Promise<Map<string, EventCounts>> {
  const rows = await sql.query<CountRow>(
    `SELECT e.id AS event_id, e.capacity AS event_capacity, t.id AS ticket_type_id, t.capacity AS ticket_type_capacity,
            coalesce(sum(c.registered), 0)::int AS registered, coalesce(sum(c.checked_in), 0)::int AS checked_in,
            coalesce(sum(c.cancelled), 0)::int AS cancelled, coalesce(sum(c.no_show), 0)::int AS no_show
     FROM events e
     JOIN ticket_types t ON t.event_id = e.id
     LEFT JOIN event_attendee_counts c ON c.event_id = e.id AND c.ticket_type_id = t.id AND c.test_mode = $2
     WHERE e.id = ANY($1::text[])
     GROUP BY e.id, t.id
     ORDER BY e.id, t.position, t.created_at`,
    [eventIds, testMode],
  );
  type Building = {
    capacity: number | null;
    ticketTypes: EventCounts['ticketTypes'][number][];
    total: AttendeeCounts;
    byTicketType: Map<string, AttendeeCounts>;
  };
  const counts = new Map<string, Building>();
  for (const row of rows) {
    const typeCounts = { registered: row.registered, checkedIn: row.checked_in, cancelled: row.cancelled, noShow: row.no_show };
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
  // Bucket boundaries are local hours/days of the event's zone turned into instants; each bucket is then one
  // count over the registration-order index (no function per attendee: measured 6 ms → under 1 ms for 5,000).
  const rows = await sql.query<{ start: Date; count: number }>(
    `WITH buckets AS (
       SELECT local_start AT TIME ZONE $6 AS start, (local_start + ('1 ' || $5)::interval) AT TIME ZONE $6 AS next
       FROM generate_series(date_trunc($5, $3::timestamptz AT TIME ZONE $6), ($4::timestamptz AT TIME ZONE $6) - interval '1 microsecond',
                            ('1 ' || $5)::interval) AS s(local_start))
     SELECT b.start, (SELECT count(*)::int FROM attendees a
                      WHERE a.event_id = $1 AND a.test_mode = $2 AND a.registered_at >= greatest(b.start, $3::timestamptz)
                        AND a.registered_at < least(b.next, $4::timestamptz)) AS count
     FROM buckets b ORDER BY b.start`,
    [event.id, options.testMode, from, to, unit, event.timezone],
  );
  return rows.map((row) => ({ start: row.start, count: row.count }));
}
