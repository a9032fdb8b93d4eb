import type { Sql } from '../../db/sql.ts';
import { activeReservations, eventQuotas, type QuotaRow, type ReservationRow } from './seats.sql.ts';

/**
 * Who may take a seat, counted (CONTRACT §14). A seat of a ticket type is one of the event's capacity, one of the
 * type's, and one of every quota the type is in: the tightest decides. An access code's reserved seats are held
 * out of every limit all its types draw from — the event's capacity; a type's, for a code valid for that type only;
 * a quota's, for a code whose types are all in it — and only its holders may take them, until they are used (a
 * holder's seat counts against the reservation first) or the code expires, is disabled or deleted.
 *
 * The ledger is plain arithmetic over numbers read under the event's row lock (registration, a fill from the line,
 * a status change: each holds it), and is then updated as this transaction hands out seats, so the batch decides in
 * arrival order without reading again. Read without the lock (remaining, the public form) it is a number that was
 * right when read.
 */

export type SeatLimit = { kind: 'event'; id: string } | { kind: 'ticketType'; id: string } | { kind: 'quota'; id: string; name: string };

/** One seat asked for: whose type, which mode, with which code; `keeps`: a type whose seat they already hold (a move). */
export interface SeatRequest {
  eventId: string;
  ticketTypeId: string;
  testMode: boolean;
  accessCodeId?: string | null;
  keeps?: string | null;
}

export interface SeatRules {
  /** Event capacities (null: unlimited). */
  events: ReadonlyMap<string, number | null>;
  /** Ticket type capacities (null: only the event's and quotas apply). */
  ticketTypes: ReadonlyMap<string, number | null>;
  quotas: readonly QuotaRow[];
  reservations: readonly ReservationRow[];
}

const key = (id: string, testMode: boolean) => `${id}\n${testMode}`;

export class SeatLedger {
  private readonly free = new Map<string, number>();
  private readonly outstanding = new Map<string, number>();
  private readonly quotasOfType = new Map<string, QuotaRow[]>();
  /** Seats held for every code's holders out of a limit, per mode: summed once per limit, then kept as seats are taken. */
  private readonly heldTotal = new Map<string, number>();
  private readonly codes = new Map<string, ReservationRow>();

  constructor(
    private readonly rules: SeatRules,
    /** Seats taken per event or ticket type and mode (the trigger-kept counters' `${id}\n${testMode}`). */
    private readonly taken: ReadonlyMap<string, number>,
  ) {
    for (const quota of rules.quotas) {
      for (const typeId of quota.ticket_type_ids) this.quotasOfType.set(typeId, [...(this.quotasOfType.get(typeId) ?? []), quota]);
    }
    for (const code of rules.reservations) {
      this.codes.set(code.id, code);
      this.outstanding.set(key(code.id, false), Math.max(0, code.reserved_seats - code.live_seated));
      this.outstanding.set(key(code.id, true), Math.max(0, code.reserved_seats - code.test_seated));
    }
  }

  /** The limits a seat of this type counts against, with their sizes. */
  private limitsOf(eventId: string, ticketTypeId: string): Array<{ limit: SeatLimit; size: number; types: readonly string[] | null }> {
    const limits: Array<{ limit: SeatLimit; size: number; types: readonly string[] | null }> = [];
    const eventCapacity = this.rules.events.get(eventId) ?? null;
    if (eventCapacity !== null) limits.push({ limit: { kind: 'event', id: eventId }, size: eventCapacity, types: null });
    const typeCapacity = this.rules.ticketTypes.get(ticketTypeId) ?? null;
    if (typeCapacity !== null) limits.push({ limit: { kind: 'ticketType', id: ticketTypeId }, size: typeCapacity, types: [ticketTypeId] });
    for (const quota of this.quotasOfType.get(ticketTypeId) ?? []) {
      limits.push({ limit: { kind: 'quota', id: quota.id, name: quota.name }, size: quota.size, types: quota.ticket_type_ids });
    }
    return limits;
  }

  private freeIn(limit: SeatLimit, size: number, types: readonly string[] | null, testMode: boolean): number {
    const k = `${limit.kind}\n${key(limit.id, testMode)}`;
    let free = this.free.get(k);
    if (free === undefined) {
      const taken =
        types === null || limit.kind === 'ticketType'
          ? (this.taken.get(key(limit.id, testMode)) ?? 0)
          : types.reduce((sum, t) => sum + (this.taken.get(key(t, testMode)) ?? 0), 0);
      free = size - taken;
      this.free.set(k, free);
    }
    return free;
  }

  /** Whether a code's held seats come out of this limit: every type of the code draws from it. */
  private applies(code: ReservationRow, eventId: string, types: readonly string[] | null): boolean {
    return code.event_id === eventId && (types === null || code.ticket_type_ids.every((t) => types.includes(t)));
  }

  /**
   * Seats held for other codes' holders out of this limit: the limit's total (summed over the codes once, then kept
   * by take()), less what `except`'s own holders may use.
   */
  private heldFor(limit: SeatLimit, eventId: string, types: readonly string[] | null, testMode: boolean, except: string | null | undefined): number {
    const k = `${limit.kind}\n${key(limit.id, testMode)}`;
    let total = this.heldTotal.get(k);
    if (total === undefined) {
      total = 0;
      for (const code of this.rules.reservations) if (this.applies(code, eventId, types)) total += this.outstanding.get(key(code.id, testMode)) ?? 0;
      this.heldTotal.set(k, total);
    }
    const own = except ? this.codes.get(except) : undefined;
    return own && this.applies(own, eventId, types) ? total - (this.outstanding.get(key(own.id, testMode)) ?? 0) : total;
  }

  /** The request's code, if it holds seats for this request's type (a code's seats are for its own types only). */
  private codeFor(request: SeatRequest): ReservationRow | undefined {
    const code = request.accessCodeId ? this.codes.get(request.accessCodeId) : undefined;
    return code?.ticket_type_ids.includes(request.ticketTypeId) ? code : undefined;
  }

  /** Seats this request could take now (null: nothing limits it). */
  available(request: SeatRequest): number | null {
    let least: number | null = null;
    for (const { limit, size, types } of this.limitsOf(request.eventId, request.ticketTypeId)) {
      if (request.keeps && (types === null || types.includes(request.keeps))) continue;
      const open = this.freeIn(limit, size, types, request.testMode) - this.heldFor(limit, request.eventId, types, request.testMode, this.codeFor(request)?.id);
      least = least === null ? open : Math.min(least, open);
    }
    return least === null ? null : Math.max(0, least);
  }

  /** The first limit with no seat for this request, or null when it can take one. */
  refusal(request: SeatRequest): SeatLimit | null {
    for (const { limit, size, types } of this.limitsOf(request.eventId, request.ticketTypeId)) {
      if (request.keeps && (types === null || types.includes(request.keeps))) continue;
      if (this.freeIn(limit, size, types, request.testMode) - this.heldFor(limit, request.eventId, types, request.testMode, this.codeFor(request)?.id) <= 0)
        return limit;
    }
    return null;
  }

  /** Hands this request a seat (after refusal() said null): out of every limit, and out of its code's reservation first. */
  take(request: SeatRequest): void {
    for (const { limit, size, types } of this.limitsOf(request.eventId, request.ticketTypeId)) {
      if (request.keeps && (types === null || types.includes(request.keeps))) continue;
      this.free.set(`${limit.kind}\n${key(limit.id, request.testMode)}`, this.freeIn(limit, size, types, request.testMode) - 1);
    }
    const code = this.codeFor(request);
    const k = code ? key(code.id, request.testMode) : '';
    if (code && (this.outstanding.get(k) ?? 0) > 0) {
      this.outstanding.set(k, this.outstanding.get(k)! - 1);
      // One seat fewer held out of every limit the code draws from (each is one of this type's: the code's types
      // include it, so every limit holding for the code also limits this type).
      for (const { limit, types } of this.limitsOf(request.eventId, request.ticketTypeId)) {
        const total = `${limit.kind}\n${key(limit.id, request.testMode)}`;
        if (this.heldTotal.has(total) && this.applies(code, request.eventId, types)) this.heldTotal.set(total, this.heldTotal.get(total)! - 1);
      }
    }
  }

  /** A limit's seats open to a registration without a code (its capacity less seats taken and held; at least 0). */
  limitRemaining(limit: SeatLimit, eventId: string, testMode: boolean): number {
    const found = this.limitsOfLimit(limit, eventId);
    if (!found) return 0;
    return Math.max(0, this.freeIn(limit, found.size, found.types, testMode) - this.heldFor(limit, eventId, found.types, testMode, null));
  }

  private limitsOfLimit(limit: SeatLimit, eventId: string): { size: number; types: readonly string[] | null } | null {
    if (limit.kind === 'event') {
      const size = this.rules.events.get(eventId);
      return size === undefined || size === null ? null : { size, types: null };
    }
    if (limit.kind === 'ticketType') {
      const size = this.rules.ticketTypes.get(limit.id);
      return size === undefined || size === null ? null : { size, types: [limit.id] };
    }
    const quota = this.rules.quotas.find((q) => q.id === limit.id);
    return quota ? { size: quota.size, types: quota.ticket_type_ids } : null;
  }

  /** Whether this request's code still holds seats for its holders (in its mode). */
  holdsFor(request: SeatRequest): boolean {
    const code = this.codeFor(request);
    return code ? (this.outstanding.get(key(code.id, request.testMode)) ?? 0) > 0 : false;
  }

  /** Whether anything limits this type's seats at all. */
  limits(eventId: string, ticketTypeId: string): boolean {
    return this.limitsOf(eventId, ticketTypeId).length > 0;
  }
}

/** The quotas and reservations of these events (those with shared limits; the others have none), read together. */
export async function readSharedLimits(sql: Sql, eventIds: readonly string[], now: Date): Promise<{ quotas: QuotaRow[]; reservations: ReservationRow[] }> {
  if (eventIds.length === 0) return { quotas: [], reservations: [] };
  const [quotas, reservations] = [await eventQuotas(sql, eventIds), await activeReservations(sql, eventIds, now)];
  return { quotas, reservations };
}
