import { poolSql, type Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, AttendeeStatus } from '../../generated/prisma/client.ts';
import { type Actor, type AuthenticatedActor, authorize, isTestMode, requireActor } from '../../lib/actor.ts';
import { type AppError, gone, invalidCursor, invalidField, notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { attendeeFromRow, findAuthorizedAttendee, hasTicket, isOfferToken, offerTokenAttendeeId } from '../attendees/index.ts';
import { auditChanges } from '../audit/index.ts';
import { enqueueAttendeeEmails } from '../emails/index.ts';
import {
  type CachedEvent,
  findCachedEvent,
  loadCachedEvent,
  readEventCounts,
  readSharedLimits,
  SeatLedger,
  type SeatLimit,
  ticketTypeCounts,
} from '../events/index.ts';
import { emitTriggers } from '../webhooks/index.ts';
import { type LockedEvent, type LockedTicketType, lockAttendee, lockEvents, lockTicketTypes } from './registrations.sql.ts';
import { seatLimitReached } from './registrations.write.ts';
import {
  addSeat,
  attendeeRows,
  eventTicketTypeIds,
  expiredOffers,
  firstRank,
  lineHead,
  lineIds,
  lockWaiting,
  nextWaitlistRanks,
  nonEmptyLines,
  rerank,
  seatCounts,
  seatFromLine,
  setStatus,
} from './waitlist.sql.ts';

/**
 * Who gets a freed seat (CONTRACT §14). A line is a ticket type's WAITLISTED attendees of one mode, first come first
 * served (waitlist_rank). Every change that may free a seat — a cancellation, an erasure, a capacity raised, an offer
 * that ran out, a move to another ticket type — calls `fillFreedSeats` in its own transaction, under the event's and
 * its ticket types' row locks (registration's order: event, then ticket types by id), so a freed seat goes to exactly
 * one person, the first in line, and never past a capacity. AUTO seats them at once (registered: ticket email and
 * attendee.registered, as any new registration); OFFER holds the seat for them for the type's offerHours and emails a
 * claim link. A new registration for a type whose line is not empty joins the line (registrations.write.ts), so a seat
 * freed for the line is never taken by someone who came later.
 */

/** Promotions per statement: a capacity raised by thousands is filled in rounds of this many. */
const FILL_ROUND = 500;

/** Locks the event and every one of its ticket types FOR UPDATE (registration's order) and reads their capacities. */
async function lockEventSeats(sql: Sql, eventId: string): Promise<{ event: LockedEvent | undefined; ticketTypes: LockedTicketType[] }> {
  const [event] = await lockEvents(sql, [eventId], 'FOR UPDATE');
  const ticketTypes = event ? await lockTicketTypes(sql, await eventTicketTypeIds(sql, eventId), 'FOR UPDATE') : [];
  return { event, ticketTypes };
}

/**
 * Seats whoever is first in the event's lines (one mode) while seats are free. In the caller's transaction; answers
 * the attendees it seated or offered a seat (to publish once committed). `event`: the cached event (names for the
 * webhooks and emails), read by the caller before its transaction — a transaction that waits for a second
 * connection could wait for ever when every connection is a transaction waiting on this one's locks.
 */
export async function fillFreedSeats(deps: Deps, sql: Sql, options: { event: CachedEvent; testMode: boolean }): Promise<Attendee[]> {
  const cached = options.event;
  const typeIds = await eventTicketTypeIds(sql, cached.id);
  const waiting = [...(await nonEmptyLines(sql, typeIds))].filter((key) => key.endsWith(`\n${options.testMode}`)).map((key) => key.split('\n')[0]!);
  if (waiting.length === 0) return [];
  const { event, ticketTypes } = await lockEventSeats(sql, cached.id);
  // Nobody is seated in (or offered a seat of) an event that was cancelled or is over: they stay in line, told nothing.
  if (!event || event.status === 'CANCELLED' || event.ends_at.getTime() < deps.clock.nowMs()) return [];
  const promoted: Attendee[] = [];
  for (;;) {
    const seated = await fillRound(deps, sql, { event, ticketTypes, cached, waiting, testMode: options.testMode });
    promoted.push(...seated);
    if (seated.length < FILL_ROUND) return promoted;
  }
}

async function fillRound(
  deps: Deps,
  sql: Sql,
  options: { event: LockedEvent; ticketTypes: LockedTicketType[]; cached: CachedEvent; waiting: string[]; testMode: boolean },
): Promise<Attendee[]> {
  const { event, ticketTypes, testMode } = options;
  // The trigger-kept counters, exact under the event's and its types' locks (held), whatever the event's size; and the
  // event's quotas and held seats (seats.ts).
  const counts = await seatCounts(sql, [event.id]);
  const shared = event.shared_limits ? await readSharedLimits(sql, [event.id], deps.clock.now()) : { quotas: [], reservations: [] };
  const ledger = new SeatLedger(
    { events: new Map([[event.id, event.capacity]]), ticketTypes: new Map(ticketTypes.map((t) => [t.id, t.capacity])), ...shared },
    counts.taken,
  );
  const candidates: Array<{ id: string; rank: bigint; ticketTypeId: string; accessCodeId: string | null }> = [];
  for (const type of ticketTypes.filter((t) => options.waiting.includes(t.id))) {
    // At most as many as could be seated counting held seats as free (a holder of a code may take those).
    const open = ledger.available({ eventId: event.id, ticketTypeId: type.id, testMode }) ?? FILL_ROUND;
    const held = shared.reservations.reduce((sum, r) => sum + r.reserved_seats, 0);
    const limit = Math.min(open + held, FILL_ROUND);
    if (limit <= 0) continue;
    for (const head of await lineHead(sql, { ticketTypeId: type.id, testMode, limit })) candidates.push({ ...head, ticketTypeId: type.id });
  }
  // The lines merged in arrival order: with only a shared limit left (the event's, a quota), the earliest of any type goes first.
  candidates.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  const chosen: typeof candidates = [];
  for (const candidate of candidates) {
    if (chosen.length >= FILL_ROUND) break;
    const request = { eventId: event.id, ticketTypeId: candidate.ticketTypeId, testMode, accessCodeId: candidate.accessCodeId };
    if (ledger.refusal(request)) continue;
    ledger.take(request);
    chosen.push(candidate);
  }
  if (chosen.length === 0) return [];
  const stillWaiting = new Set(
    await lockWaiting(
      sql,
      chosen.map((c) => c.id),
    ),
  );
  const now = deps.clock.nowMs();
  const modeOf = new Map(ticketTypes.map((t) => [t.id, t]));
  const rows = await seatFromLine(
    sql,
    chosen
      .filter((c) => stillWaiting.has(c.id))
      .map((c) => {
        const type = modeOf.get(c.ticketTypeId)!;
        return type.waitlist === 'OFFER'
          ? { id: c.id, status: 'OFFERED' as const, offerExpiresAt: new Date(now + type.offer_hours * 3_600_000) }
          : { id: c.id, status: 'REGISTERED' as const, offerExpiresAt: null };
      }),
  );
  const seated = rows.map(attendeeFromRow);
  await announceSeats(deps, sql, options.cached, seated);
  return seated;
}

/**
 * What a seat given from the line says: a registered attendee gets attendee.registered and their ticket email (as
 * any new registration); an offer fires attendee.status_changed and emails the claim link. Nobody still waiting hears
 * anything. Test mode: webhooks and emails never (emitTriggers skips them too).
 */
async function announceSeats(deps: Deps, sql: Sql, event: CachedEvent, attendees: Attendee[]): Promise<void> {
  const ticketType = (a: Attendee) => event.ticketTypes.find((t) => t.id === a.ticketTypeId) ?? { name: '' };
  const registered = attendees.filter((a) => a.status === 'REGISTERED');
  const offered = attendees.filter((a) => a.status === 'OFFERED');
  await emitTriggers(deps, sql, [
    ...registered.map((attendee) => ({ trigger: 'ATTENDEE_REGISTERED' as const, attendee, event, ticketType: ticketType(attendee) })),
    ...offered.map((attendee) => ({ trigger: 'ATTENDEE_STATUS_CHANGED' as const, attendee, event, ticketType: ticketType(attendee) })),
  ]);
  const live = (list: Attendee[]) => list.filter((a) => !a.testMode).map((attendee) => ({ attendee, event }));
  await enqueueAttendeeEmails(deps, sql, 'confirmation', live(registered));
  await enqueueAttendeeEmails(deps, sql, 'waitlist_offer', live(offered));
}

/** Once the transaction committed: live feeds hear of every attendee it changed. */
export async function publishChanged(deps: Deps, attendees: ReadonlyArray<Pick<Attendee, 'id' | 'eventId' | 'testMode'>>): Promise<void> {
  for (const a of attendees) await deps.live.publish({ kind: 'changed', eventId: a.eventId, attendeeId: a.id, testMode: a.testMode });
}

/**
 * After a capacity changed, a ticket type's waitlist was switched, or anything else that may free seats outside a
 * registration's transaction: fills the event's lines in both modes, each in a transaction of its own.
 */
export async function fillEvent(deps: Deps, eventId: string): Promise<Attendee[]> {
  const event = await loadCachedEvent(deps, eventId);
  if (!event) return [];
  const promoted: Attendee[] = [];
  for (const testMode of [false, true]) {
    promoted.push(...(await deps.db.sqlTransaction((sql) => fillFreedSeats(deps, sql, { event, testMode }))));
  }
  await publishChanged(deps, promoted);
  return promoted;
}

/**
 * Offers past their time: each goes back (CANCELLED — the person is out of line; attendee.status_changed fires) and
 * its seat to the next in line. `now`: the database's time (tests move it forward instead of sleeping). Answers how
 * many expired.
 */
export async function expireOffers(deps: Deps, now: Date = deps.clock.now()): Promise<number> {
  let expired = 0;
  for (;;) {
    const due = await deps.db.sqlTransaction((sql) => expiredOffers(sql, now, 200));
    if (due.length === 0) return expired;
    const groups = new Map<string, { eventId: string; testMode: boolean; ids: string[] }>();
    for (const offer of due) {
      const key = `${offer.event_id}\n${offer.test_mode}`;
      const group = groups.get(key) ?? { eventId: offer.event_id, testMode: offer.test_mode, ids: [] };
      group.ids.push(offer.id);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      const cached = await loadCachedEvent(deps, group.eventId);
      if (!cached) continue;
      const changed = await deps.db.sqlTransaction(async (sql) => {
        await lockEventSeats(sql, group.eventId);
        const back: Attendee[] = [];
        for (const id of group.ids.sort()) {
          const current = await lockAttendee(sql, id);
          if (current?.status !== 'OFFERED' || !current.offer_expires_at || current.offer_expires_at >= now) continue;
          const row = await setStatus(sql, { id, status: 'CANCELLED' });
          if (row) back.push(attendeeFromRow(row));
        }
        await emitTriggers(
          deps,
          sql,
          back.map((attendee) => ({ trigger: 'ATTENDEE_STATUS_CHANGED' as const, attendee, event: cached, ticketType: ticketTypeOf(cached, attendee) })),
        );
        expired += back.length;
        return [...back, ...(await fillFreedSeats(deps, sql, { event: cached, testMode: group.testMode }))];
      });
      await publishChanged(deps, changed);
    }
    if (due.length < 200) return expired;
  }
}

/**
 * POST /v1/public/waitlist-offers/{token}/claim: the person an offer was made to takes the seat held for them
 * (registered: ticket email, attendee.registered). Claiming again answers the same registration and changes nothing;
 * an offer past its time is 410 gone (and its seat goes to the next in line); an unknown token 404.
 */
export async function claimOffer(deps: Deps, options: { token: string }): Promise<{ attendee: Attendee; event: CachedEvent }> {
  const id = parseId('attendee', offerTokenAttendeeId(options.token) ?? '');
  const found = id ? await deps.prisma.attendee.findUnique({ where: { id } }) : null;
  if (!found || !isOfferToken(deps.secretKey, options.token, found)) throw notFound('Waitlist offer');
  const event = await loadCachedEvent(deps, found.eventId);
  if (!event) throw notFound('Waitlist offer');
  const now = deps.clock.now();
  const outcome = await deps.db.sqlTransaction(async (sql): Promise<{ attendee: Attendee; changed: Attendee[] } | AppError> => {
    const locked = await lockEventSeats(sql, found.eventId);
    const current = await lockAttendee(sql, found.id);
    // The row was read before the locks: the same offer still (an offer made again has another token).
    if (!current || current.offer_expires_at?.getTime() !== found.offerExpiresAt?.getTime()) return notFound('Waitlist offer');
    if (hasTicket(current.status)) return { attendee: attendeeFromRow((await attendeeRows(sql, [found.id]))[0]!), changed: [] };
    if (current.status !== 'OFFERED') return gone('This offer has expired; the seat went to the next person on the waitlist.');
    if (locked.event?.status === 'CANCELLED') return gone('This event has been cancelled.');
    if (current.offer_expires_at! < now) {
      const row = await setStatus(sql, { id: found.id, status: 'CANCELLED' });
      const back = attendeeFromRow(row!);
      await emitTriggers(deps, sql, [{ trigger: 'ATTENDEE_STATUS_CHANGED', attendee: back, event, ticketType: ticketTypeOf(event, back) }]);
      const promoted = await fillFreedSeats(deps, sql, { event, testMode: back.testMode });
      // Committed (the seat moves on) and then answered 410.
      return Object.assign(gone('This offer has expired; the seat went to the next person on the waitlist.'), { changed: [back, ...promoted] });
    }
    const attendee = attendeeFromRow((await setStatus(sql, { id: found.id, status: 'REGISTERED' }))!);
    await emitTriggers(deps, sql, [{ trigger: 'ATTENDEE_REGISTERED', attendee, event, ticketType: ticketTypeOf(event, attendee) }]);
    if (!attendee.testMode) await enqueueAttendeeEmails(deps, sql, 'confirmation', [{ attendee, event }]);
    return { attendee, changed: [attendee] };
  });
  if (outcome instanceof Error) {
    await publishChanged(deps, (outcome as AppError & { changed?: Attendee[] }).changed ?? []);
    throw outcome;
  }
  await publishChanged(deps, outcome.changed);
  return { attendee: outcome.attendee, event };
}

const ticketTypeOf = (event: CachedEvent, attendee: Attendee) => event.ticketTypes.find((t) => t.id === attendee.ticketTypeId) ?? { name: '' };

type ManagedChange = (
  sql: Sql,
  context: { actor: AuthenticatedActor; attendee: Attendee; event: CachedEvent; status: AttendeeStatus },
) => Promise<{ attendee: Attendee; changed: Attendee[] }>;

/**
 * An organiser's decision about one attendee (approve, decline, offer, move), under the event's and its ticket types'
 * locks and then the attendee's, decided on the attendee's current status. Erased people are out of reach.
 */
async function manage(deps: Deps, options: { actor: Actor; attendeeId: string }, change: ManagedChange): Promise<Attendee> {
  authorize(options.actor, 'attendees:manage');
  const { actor, attendee } = await findAuthorizedAttendee(deps, { actor: options.actor, attendeeId: options.attendeeId, permission: 'attendees:manage' });
  if (attendee.erasedAt) throw invalidField('attendeeId', 'This attendee’s personal data was erased; their status cannot change.');
  const event = await loadCachedEvent(deps, attendee.eventId);
  if (!event) throw notFound('Attendee');
  const outcome = await deps.db.sqlTransaction(async (sql) => {
    await lockEventSeats(sql, event.id);
    const current = await lockAttendee(sql, attendee.id);
    if (!current) throw notFound('Attendee');
    const fresh = attendeeFromRow((await attendeeRows(sql, [attendee.id]))[0]!);
    return await change(sql, { actor, attendee: fresh, event, status: current.status });
  });
  await publishChanged(deps, outcome.changed);
  return outcome.attendee;
}

const statusName = (status: AttendeeStatus) => status.toLowerCase();

/** Under manage()'s locks: the limit with no seat for one more attendee like this one (their type, mode and code), or null. */
async function seatFree(deps: Deps, sql: Sql, attendee: Attendee): Promise<SeatLimit | null> {
  const [event] = await lockEvents(sql, [attendee.eventId], 'FOR UPDATE');
  const [ticketType] = await lockTicketTypes(sql, [attendee.ticketTypeId], 'FOR UPDATE');
  if (!event || !ticketType) return null;
  return await seatLimitReached(deps, sql, {
    event,
    ticketType,
    request: { eventId: event.id, ticketTypeId: ticketType.id, testMode: attendee.testMode, accessCodeId: attendee.accessCodeId },
  });
}

/**
 * approveAttendee: a pending request takes a seat under the registration rules. Free → registered (ticket email,
 * attendee.registered). Full with the type's waitlist on → first in line (said by the answer: WAITLISTED, position
 * 1; attendee.waitlisted). Full without → 422, nothing changes. Approving an attendee who already holds a seat changes
 * nothing.
 */
export async function approveAttendee(deps: Deps, options: { actor: Actor; input: { attendeeId: string } }): Promise<Attendee> {
  return await manage(deps, { actor: options.actor, attendeeId: String(options.input.attendeeId) }, async (sql, { actor, attendee, event, status }) => {
    if (hasTicket(status) || status === 'WAITLISTED' || status === 'OFFERED') return { attendee, changed: [] };
    if (status !== 'PENDING_APPROVAL') {
      throw invalidField('attendeeId', `Only a pending request can be approved; this attendee is ${statusName(status).replace('_', ' ')}.`);
    }
    const type = event.ticketTypes.find((t) => t.id === attendee.ticketTypeId)!;
    const full = await seatFree(deps, sql, attendee);
    let changed: Attendee;
    if (!full) {
      changed = attendeeFromRow((await setStatus(sql, { id: attendee.id, status: 'REGISTERED' }))!);
      await emitTriggers(deps, sql, [{ trigger: 'ATTENDEE_REGISTERED', attendee: changed, event, ticketType: type }]);
      if (!changed.testMode) await enqueueAttendeeEmails(deps, sql, 'confirmation', [{ attendee: changed, event }]);
    } else if (type.waitlist !== 'OFF') {
      const first = await firstRank(sql, { ticketTypeId: type.id, testMode: attendee.testMode });
      const rank = first === null ? (await nextWaitlistRanks(sql, 1))[0]! : first - 1n;
      changed = attendeeFromRow((await setStatus(sql, { id: attendee.id, status: 'WAITLISTED', waitlistRank: rank }))!);
      await emitTriggers(deps, sql, [{ trigger: 'ATTENDEE_WAITLISTED', attendee: changed, event, ticketType: type }]);
      if (!changed.testMode) await enqueueAttendeeEmails(deps, sql, 'waitlisted', [{ attendee: changed, event }]);
    } else {
      throw full.kind === 'event'
        ? invalidField('attendeeId', 'This event is full: raise its capacity or free a seat to approve this request.')
        : invalidField('attendeeId', `Ticket type "${type.slug}" is sold out: raise its capacity or free a seat to approve this request.`);
    }
    await auditChanges(sql, actor, 'attendee.status_changed', [
      { subjectId: attendee.id, detail: { from: 'pending_approval', to: statusName(changed.status) } },
    ]);
    return { attendee: changed, changed: [changed] };
  });
}

/** declineAttendee: a pending request is declined (an email with the reason, attendee.status_changed). Idempotent. */
export async function declineAttendee(deps: Deps, options: { actor: Actor; input: { attendeeId: string; reason?: string | null } }): Promise<Attendee> {
  const reason = options.input.reason?.trim() || null;
  if (reason && reason.length > 1000) throw invalidField('reason', 'The reason may not be greater than 1000 characters.');
  return await manage(deps, { actor: options.actor, attendeeId: String(options.input.attendeeId) }, async (sql, { actor, attendee, event, status }) => {
    if (status === 'DECLINED') return { attendee, changed: [] };
    if (status !== 'PENDING_APPROVAL') {
      throw invalidField('attendeeId', `Only a pending request can be declined; this attendee is ${statusName(status).replace('_', ' ')}.`);
    }
    const changed = attendeeFromRow((await setStatus(sql, { id: attendee.id, status: 'DECLINED' }))!);
    await emitTriggers(deps, sql, [{ trigger: 'ATTENDEE_STATUS_CHANGED', attendee: changed, event, ticketType: ticketTypeOf(event, changed) }]);
    if (!changed.testMode) await enqueueAttendeeEmails(deps, sql, 'declined', [{ attendee: changed, event, reason }]);
    await auditChanges(sql, actor, 'attendee.status_changed', [{ subjectId: attendee.id, detail: { from: 'pending_approval', to: 'declined' } }]);
    return { attendee: changed, changed: [changed] };
  });
}

/**
 * offerWaitlistSeat: the organiser gives someone in line a seat now, ahead of their turn: they are offered it (OFFERED
 * for the type's offerHours, claim link by email) whatever the type's mode. A free seat is used if there is one;
 * otherwise — the usual case, as a freed seat goes to the line at once — the organiser is adding a seat for them:
 * the full capacity (the type's, or the event's when that is what is full) grows by one, in the same transaction and
 * in the audit log, so no count ever exceeds a capacity.
 */
export async function offerWaitlistSeat(deps: Deps, options: { actor: Actor; input: { attendeeId: string } }): Promise<Attendee> {
  let added: SeatLimit | null = null;
  const offered = await manage(
    deps,
    { actor: options.actor, attendeeId: String(options.input.attendeeId) },
    async (sql, { actor, attendee, event, status }) => {
      if (status === 'OFFERED') return { attendee, changed: [] };
      if (status !== 'WAITLISTED')
        throw invalidField('attendeeId', `Only someone on the waitlist can be offered a seat; this attendee is ${statusName(status).replace('_', ' ')}.`);
      const type = event.ticketTypes.find((t) => t.id === attendee.ticketTypeId)!;
      // Both may be full: each grows by the one seat this offer holds.
      for (let full = await seatFree(deps, sql, attendee); full; full = await seatFree(deps, sql, attendee)) {
        await addSeat(sql, full);
        const field = full.kind === 'event' ? 'capacity' : full.kind === 'ticketType' ? 'ticket_type.capacity' : 'quota.size';
        await auditChanges(sql, actor, 'event.updated', [{ subjectId: event.id, detail: { fields: [field], reason: 'waitlist offer by hand' } }]);
        added = full;
      }
      const [row] = await seatFromLine(sql, [
        { id: attendee.id, status: 'OFFERED', offerExpiresAt: new Date(deps.clock.nowMs() + type.offerHours * 3_600_000) },
      ]);
      const changed = attendeeFromRow(row!);
      await announceSeats(deps, sql, event, [changed]);
      await auditChanges(sql, actor, 'attendee.status_changed', [{ subjectId: attendee.id, detail: { from: 'waitlisted', to: 'offered' } }]);
      return { attendee: changed, changed: [changed] };
    },
  );
  // The cached event (capacities) is behind the seat just added.
  if (added) await deps.caches.events.invalidate(offered.eventId);
  return offered;
}

/** moveWaitlistEntry: puts someone at `position` (1 = next) of their line; the others keep their order. */
export async function moveWaitlistEntry(deps: Deps, options: { actor: Actor; input: { attendeeId: string; position: number } }): Promise<Attendee> {
  const position = options.input.position;
  if (!Number.isInteger(position) || position < 1) throw invalidField('position', 'The position must be at least 1.');
  return await manage(deps, { actor: options.actor, attendeeId: String(options.input.attendeeId) }, async (sql, { actor, attendee, status }) => {
    if (status !== 'WAITLISTED')
      throw invalidField('attendeeId', `Only someone on the waitlist can be moved; this attendee is ${statusName(status).replace('_', ' ')}.`);
    const line = await lineIds(sql, { ticketTypeId: attendee.ticketTypeId, testMode: attendee.testMode });
    const order = line.filter((entry) => entry.id !== attendee.id).map((entry) => entry.id);
    const at = Math.min(position, order.length + 1) - 1;
    order.splice(at, 0, attendee.id);
    await rerank(
      sql,
      order,
      line.map((entry) => entry.rank),
    );
    await auditChanges(sql, actor, 'attendee.updated', [{ subjectId: attendee.id, detail: { fields: ['waitlist_position'] } }]);
    const moved = attendeeFromRow((await attendeeRows(sql, [attendee.id]))[0]!);
    return { attendee: moved, changed: [moved] };
  });
}

/**
 * One page of a ticket type's line in order (the actor's mode), for the dashboard: Pothos's cursor (an attendee id
 * of this line) and page size in `query`.
 */
export async function listWaitlist(
  deps: Deps,
  options: {
    actor: Actor;
    eventId: string;
    ticketTypeId: string;
    query: { take: number; skip: number; cursor?: { id: string } } & Record<string, unknown>;
  },
): Promise<Attendee[]> {
  const event = await findCachedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  const testMode = isTestMode(requireActor(options.actor));
  const ticketType = event.ticketTypes.find((t) => t.id === options.ticketTypeId);
  if (!ticketType) throw notFound('Ticket type');
  const where = { eventId: event.id, ticketTypeId: ticketType.id, testMode, waitlistRank: { not: null } };
  const after = options.query.cursor?.id;
  if (after && (await deps.prisma.attendee.count({ where: { ...where, id: after } })) === 0) throw invalidCursor();
  return await deps.prisma.attendee.findMany({ ...options.query, where, orderBy: [{ waitlistRank: 'asc' }] });
}

/** How many wait in a ticket type's line (the actor's mode), from the counters. */
export async function countWaitlist(deps: Deps, options: { actor: Actor; eventId: string; ticketTypeId: string }): Promise<number> {
  const event = await findCachedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  const testMode = isTestMode(requireActor(options.actor));
  const counts = (await readEventCounts(poolSql(deps), [event.id], testMode)).get(event.id)!;
  return ticketTypeCounts(counts, options.ticketTypeId).waitlisted;
}

/** What a claim link's page shows before the claim: the offer, and whether it is open, claimed or over. */
export async function describeOffer(
  deps: Deps,
  options: { token: string },
): Promise<{ attendee: Attendee; event: CachedEvent; state: 'open' | 'claimed' | 'expired' }> {
  const id = parseId('attendee', offerTokenAttendeeId(options.token) ?? '');
  const attendee = id ? await deps.prisma.attendee.findUnique({ where: { id } }) : null;
  if (!attendee || !isOfferToken(deps.secretKey, options.token, attendee)) throw notFound('Waitlist offer');
  const event = await loadCachedEvent(deps, attendee.eventId);
  if (!event) throw notFound('Waitlist offer');
  const open = attendee.status === 'OFFERED' && attendee.offerExpiresAt! >= deps.clock.now();
  return { attendee, event, state: open ? 'open' : hasTicket(attendee.status) ? 'claimed' : 'expired' };
}
