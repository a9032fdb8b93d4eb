import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, Event, Prisma, TicketType } from '../../generated/prisma/client.ts';
import { type AppError, invalidInput, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { attendeeFromRow } from '../attendees/index.ts';
import { ticketSigner } from '../door/index.ts';
import { enqueueAttendeeEmails } from '../emails/index.ts';
import { emitTriggers } from '../webhooks/index.ts';
import {
  countTakenSeats,
  deleteAttendees,
  insertAttendees,
  type LockedEvent,
  type LockedTicketType,
  type LockMode,
  lockEvents,
  lockTicketTypes,
} from './registrations.sql.ts';
import { lineLengths, nextWaitlistRanks, nonEmptyLines, putInLine, seatCounts } from './waitlist.sql.ts';

/** Where a registration came from (registration_source). */
export type RegistrationSource = 'API' | 'FORM' | 'IMPORT' | 'DASHBOARD';

export const DUPLICATE_EMAIL = 'This email has already been registered for this event.';

/** A validated registration, ready to be written. */
export interface PendingRegistration {
  event: Pick<Event, 'id' | 'name' | 'organisationId' | 'capacity' | 'ticketCodes'>;
  ticketType: TicketType;
  columns: {
    ticketTypeId: string;
    firstName: string;
    lastName: string;
    email: string;
    emailNormalized: string;
    phone: string | null;
    country: string | null;
    customData: Prisma.InputJsonObject;
  };
  source: RegistrationSource;
  testMode: boolean;
  apiKeyId: string | null;
  sendEmail: boolean;
  import: { jobId: string; row: number } | null;
}

/** Events and ticket types to lock FOR UPDATE although the cached copy said they had no capacity. */
export interface ExclusiveRows {
  events: Set<string>;
  ticketTypes: Set<string>;
}

/**
 * The cached event said "no capacity" (so its row was only share-locked) but the locked row has one: the
 * cache is behind a capacity change. The transaction is rolled back and written again with that row locked
 * exclusively, so seats are still counted one transaction at a time.
 */
class StaleCapacityError extends Error {
  constructor(
    readonly events: string[],
    readonly ticketTypes: string[],
    /** Events whose cached copy is stale (a ticket type's event included). */
    readonly staleEvents: string[],
  ) {
    super('cached capacity is stale');
  }
}

/**
 * Runs `write` in a plain-SQL transaction (jobs enqueued in it wake workers on commit). If the cache turned out
 * to be behind a capacity change, the stale entries are dropped and the whole transaction runs again with those
 * rows locked exclusively (at most twice: a capacity rarely changes twice in a moment).
 */
export async function inRegistrationTransaction<T>(deps: Deps, write: (sql: Sql, exclusive: ExclusiveRows) => Promise<T>): Promise<T> {
  const exclusive: ExclusiveRows = { events: new Set(), ticketTypes: new Set() };
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.db.sqlTransaction((sql) => write(sql, exclusive));
    } catch (error) {
      if (!(error instanceof StaleCapacityError) || attempt >= 2) throw error;
      for (const id of error.events) exclusive.events.add(id);
      for (const id of error.ticketTypes) exclusive.ticketTypes.add(id);
      await Promise.all(error.staleEvents.map((id) => deps.caches.events.invalidate(id)));
    }
  }
}

const DUPLICATE = () => invalidInput({ email: [DUPLICATE_EMAIL] });

/**
 * Writes validated registrations inside the caller's transaction, in a fixed number of statements whatever
 * their number, and answers for each the attendee or the error it is refused with (the others are unaffected):
 * - the rules are decided on the locked rows, not the cached copies: each event and ticket type of the batch is
 *   locked (FOR UPDATE where seats are counted, FOR SHARE otherwise; events first, then ticket types, each in
 *   id order: one order, no deadlocks) and its status, registration window and capacities read under that lock.
 *   An event cancelled, closed or deleted, or a capacity lowered, a moment ago applies to this registration;
 *   and whoever changes them waits for this transaction;
 * - one registration per email, event and mode: the first of the batch, then the unique index
 *   (ON CONFLICT DO NOTHING waits for a concurrent insert of the same email and skips it if that commits);
 * - capacity is counted after inserting; registrations past a limit, in arrival order, are removed again
 *   before commit, so concurrent registrations for the last seats serialise and exactly capacity of them
 *   succeed. Cancelled attendees free their seat; test registrations count apart;
 * - attendee.registered for every live attendee (one fan-out job) and the confirmation emails asked for.
 */
export async function insertRegistrations(deps: Deps, sql: Sql, items: PendingRegistration[], exclusive: ExclusiveRows): Promise<Array<Attendee | AppError>> {
  const results: Array<Attendee | AppError | undefined> = new Array(items.length);
  const { events, ticketTypes } = await lockRows(sql, items, exclusive);

  const emailKey = (item: PendingRegistration) => `${item.event.id}\n${item.testMode}\n${item.columns.emailNormalized}`;
  const seen = new Set<string>();
  const candidates: number[] = [];
  items.forEach((item, i) => {
    const event = events.get(item.event.id);
    const closed = event ? registrationClosedReason(lockedWindow(event), item.source, deps.clock.nowMs()) : null;
    if (!event) results[i] = notFound('Event');
    else if (!ticketTypes.has(item.ticketType.id)) results[i] = invalidInput({ ticket_type_slug: [`Ticket type "${item.ticketType.slug}" not found.`] });
    else if (closed) results[i] = invalidInput({ event: [closed] });
    else if (seen.has(emailKey(item))) results[i] = DUPLICATE();
    else {
      seen.add(emailKey(item));
      candidates.push(i);
    }
  });
  // Inserted in unique-key order, so two concurrent batches wait on each other's emails in one order.
  candidates.sort((a, b) => (emailKey(items[a]!) < emailKey(items[b]!) ? -1 : 1));
  const ids = new Map(candidates.map((i) => [i, newId('attendee')]));
  // Events with signed ticket codes: one signer per organisation of the batch.
  const signers = new Map<string, Awaited<ReturnType<typeof ticketSigner>>>();
  for (const i of candidates) {
    const { event } = items[i]!;
    if (event.ticketCodes === 'SIGNED' && !signers.has(event.organisationId)) signers.set(event.organisationId, await ticketSigner(deps, event.organisationId));
  }
  // A type that is full already (or has people waiting) puts every newcomer in line: written so at once, with their
  // places in arrival order, instead of inserted as registered and then moved there.
  const before = await alreadyFull(sql, items, candidates, events, ticketTypes);
  const straightToLine = before.full.sort((a, b) => a - b);
  const rankOf = new Map((await nextWaitlistRanks(sql, straightToLine.length)).map((rank, k) => [straightToLine[k]!, rank]));
  const column = <T>(pick: (item: PendingRegistration, i: number) => T) => candidates.map((i) => pick(items[i]!, i));
  const rows =
    candidates.length === 0
      ? []
      : await insertAttendees(sql, {
          id: column((_, i) => ids.get(i)!),
          organisationId: column((item) => item.event.organisationId),
          eventId: column((item) => item.event.id),
          ticketTypeId: column((item) => item.columns.ticketTypeId),
          firstName: column((item) => item.columns.firstName),
          lastName: column((item) => item.columns.lastName),
          email: column((item) => item.columns.email),
          emailNormalized: column((item) => item.columns.emailNormalized),
          phone: column((item) => item.columns.phone),
          country: column((item) => item.columns.country),
          qrToken: column(() => randomUUID()),
          customData: column((item) => JSON.stringify(item.columns.customData)),
          source: column((item) => item.source),
          testMode: column((item) => item.testMode),
          apiKeyId: column((item) => item.apiKeyId),
          importJobId: column((item) => item.import?.jobId ?? null),
          importRow: column((item) => item.import?.row ?? null),
          status: column((item, i) =>
            ticketTypes.get(item.ticketType.id)!.requires_approval ? 'PENDING_APPROVAL' : rankOf.has(i) ? 'WAITLISTED' : 'REGISTERED',
          ),
          waitlistRank: column((_, i) => rankOf.get(i)?.toString() ?? null),
          ticketCode: column((item, i) =>
            item.event.ticketCodes === 'SIGNED'
              ? signers.get(item.event.organisationId)!({ id: ids.get(i)!, eventId: item.event.id, ticketTypeId: item.columns.ticketTypeId })
              : null,
          ),
        });
  const byId = new Map(rows.map((row) => [row.id as string, attendeeFromRow(row)]));
  const inserted: number[] = [];
  for (let i = 0; i < items.length; i++) {
    if (!ids.has(i)) continue;
    const attendee = byId.get(ids.get(i)!);
    if (attendee) {
      results[i] = attendee;
      inserted.push(i);
    } else results[i] = DUPLICATE();
  }

  // Types that require approval hold no seat: their registrations are pending, outside the capacity count.
  const seated = inserted.filter((i) => !ticketTypes.get(items[i]!.ticketType.id)!.requires_approval && !rankOf.has(i));
  const refused = await enforceCapacity(sql, items, seated, events, ticketTypes);
  // Refused for want of a seat, with the ticket type's waitlist on: in line instead, in arrival order.
  const toLine = [...refused.keys()].filter((i) => ticketTypes.get(items[i]!.ticketType.id)!.waitlist !== 'OFF').sort((a, b) => a - b);
  for (const i of toLine) refused.delete(i);
  if (refused.size > 0) {
    await deleteAttendees(
      sql,
      [...refused.keys()].map((i) => ids.get(i)!),
    );
    for (const [i, error] of refused) results[i] = error;
  }
  const lined = await putInLine(
    sql,
    toLine.map((i) => ids.get(i)!),
    await nextWaitlistRanks(sql, toLine.length),
  );
  const indexOf = new Map([...ids].map(([i, id]) => [id, i]));
  for (const row of lined) results[indexOf.get(row.id as string)!] = attendeeFromRow(row);
  const waiting = inserted.filter((i) => (results[i] as Attendee).status === 'WAITLISTED').map((i) => results[i] as Attendee);
  const positions = await linePositions(sql, waiting, lined.length === 0 ? before.waiting : null);
  for (const attendee of waiting) Object.assign(attendee, { waitlistPosition: positions.get(attendee.id) ?? null });
  const accepted = inserted.filter((i) => !refused.has(i)).map((i) => ({ item: items[i]!, attendee: results[i] as Attendee }));
  await announceRegistrations(deps, sql, accepted);
  return results as Array<Attendee | AppError>;
}

/**
 * The places in line of attendees this transaction just put at the end of their lines, without counting the lines:
 * the trigger-kept counters (which include them) give each line's length, and their ranks, the newest of the line,
 * their order at its end. Exact, as every change to a line happens under its ticket type's lock, which is held.
 */
async function linePositions(sql: Sql, lined: Attendee[], waitingBefore: ReadonlyMap<string, number> | null): Promise<Map<string, number>> {
  const positions = new Map<string, number>();
  if (lined.length === 0) return positions;
  const groupSizes = new Map<string, number>();
  for (const a of lined) groupSizes.set(`${a.ticketTypeId}\n${a.testMode}`, (groupSizes.get(`${a.ticketTypeId}\n${a.testMode}`) ?? 0) + 1);
  // The lengths before this batch, read under the same locks, plus this batch's: no second read.
  const lengths = waitingBefore
    ? new Map([...groupSizes].map(([key, size]) => [key, (waitingBefore.get(key) ?? 0) + size]))
    : await lineLengths(sql, [...new Set(lined.map((a) => a.eventId))], [...new Set(lined.map((a) => a.ticketTypeId))]);
  const groups = new Map<string, Attendee[]>();
  for (const a of lined) groups.set(`${a.ticketTypeId}\n${a.testMode}`, [...(groups.get(`${a.ticketTypeId}\n${a.testMode}`) ?? []), a]);
  for (const [key, members] of groups) {
    members.sort((a, b) => (a.waitlistRank! < b.waitlistRank! ? -1 : 1));
    const length = lengths.get(key) ?? members.length;
    for (const [i, a] of members.entries()) positions.set(a.id, length - members.length + i + 1);
  }
  return positions;
}

/** What a new attendee's status says: a webhook trigger and the email (for those who asked for one). */
const ANNOUNCEMENT = {
  REGISTERED: { trigger: 'ATTENDEE_REGISTERED', email: 'confirmation' },
  WAITLISTED: { trigger: 'ATTENDEE_WAITLISTED', email: 'waitlisted' },
  PENDING_APPROVAL: { trigger: 'ATTENDEE_PENDING_APPROVAL', email: 'pending_approval' },
} as const;

/** The webhooks and emails of new attendees (registered, in line, or pending), in the registration's transaction. */
async function announceRegistrations(deps: Deps, sql: Sql, accepted: Array<{ item: PendingRegistration; attendee: Attendee }>): Promise<void> {
  const announced = (status: keyof typeof ANNOUNCEMENT) => accepted.filter(({ attendee }) => attendee.status === status);
  for (const status of Object.keys(ANNOUNCEMENT) as Array<keyof typeof ANNOUNCEMENT>) {
    const these = announced(status);
    if (these.length === 0) continue;
    await emitTriggers(
      deps,
      sql,
      these.map(({ item, attendee }) => ({ trigger: ANNOUNCEMENT[status].trigger, attendee, event: item.event, ticketType: item.ticketType })),
    );
    await enqueueAttendeeEmails(
      deps,
      sql,
      ANNOUNCEMENT[status].email,
      these.filter(({ item }) => item.sendEmail).map(({ item, attendee }) => ({ attendee, event: item.event })),
    );
  }
}

/** What decides whether an event takes registrations now. */
export type EventWindow = Pick<Event, 'status' | 'registrationOpensAt' | 'registrationClosesAt' | 'endsAt'>;

/** `now`: the database's time (deps.clock). */
export function registrationClosedReason(event: EventWindow, source: RegistrationSource, now: number): string | null {
  if (event.status === 'CANCELLED') return 'This event has been cancelled and no longer accepts registrations.';
  if (event.status === 'DRAFT' && source === 'FORM') return 'This event is not open for registration yet.';
  if (event.registrationOpensAt && now < event.registrationOpensAt.getTime()) {
    return `Registration for this event opens at ${event.registrationOpensAt.toISOString()}.`;
  }
  const closesAt = event.registrationClosesAt ?? event.endsAt;
  if (now > closesAt.getTime()) return 'Registration for this event is closed.';
  return null;
}

function lockedWindow(event: LockedEvent): EventWindow {
  return {
    status: event.status,
    registrationOpensAt: event.registration_opens_at,
    registrationClosesAt: event.registration_closes_at,
    endsAt: event.ends_at,
  };
}

/**
 * Locks the batch's events, then its ticket types, each in id order, and returns what was read under the locks.
 * Rows the cache thinks unlimited are share-locked; if one turns out limited, StaleCapacityError.
 */
async function lockRows(
  sql: Sql,
  items: PendingRegistration[],
  exclusive: ExclusiveRows,
): Promise<{ events: Map<string, LockedEvent>; ticketTypes: Map<string, LockedTicketType> }> {
  const eventMode = new Map<string, LockMode>();
  const ticketTypeMode = new Map<string, LockMode>();
  const eventOfTicketType = new Map<string, string>();
  for (const item of items) {
    eventMode.set(item.event.id, item.event.capacity !== null || exclusive.events.has(item.event.id) ? 'FOR UPDATE' : 'FOR SHARE');
    ticketTypeMode.set(item.ticketType.id, item.ticketType.capacity !== null || exclusive.ticketTypes.has(item.ticketType.id) ? 'FOR UPDATE' : 'FOR SHARE');
    eventOfTicketType.set(item.ticketType.id, item.event.id);
  }
  const events = new Map((await lockInOrder(eventMode, (ids, mode) => lockEvents(sql, ids, mode))).map((e) => [e.id, e]));
  const ticketTypes = new Map((await lockInOrder(ticketTypeMode, (ids, mode) => lockTicketTypes(sql, ids, mode))).map((t) => [t.id, t]));

  const staleEvents = [...events.values()].filter((e) => e.capacity !== null && eventMode.get(e.id) === 'FOR SHARE').map((e) => e.id);
  const staleTicketTypes = [...ticketTypes.values()].filter((t) => t.capacity !== null && ticketTypeMode.get(t.id) === 'FOR SHARE').map((t) => t.id);
  if (staleEvents.length > 0 || staleTicketTypes.length > 0) {
    throw new StaleCapacityError(staleEvents, staleTicketTypes, [...new Set([...staleEvents, ...staleTicketTypes.map((id) => eventOfTicketType.get(id)!)])]);
  }
  return { events, ticketTypes };
}

/** Locks ids in ascending order, one statement per run of ids that share a lock mode. */
async function lockInOrder<T>(modes: Map<string, LockMode>, lock: (ids: string[], mode: LockMode) => Promise<T[]>): Promise<T[]> {
  const locked: T[] = [];
  let run: string[] = [];
  let runMode: LockMode | null = null;
  for (const id of [...modes.keys()].sort()) {
    const mode = modes.get(id)!;
    if (runMode && mode !== runMode) {
      locked.push(...(await lock(run, runMode)));
      run = [];
    }
    run.push(id);
    runMode = mode;
  }
  if (runMode && run.length > 0) locked.push(...(await lock(run, runMode)));
  return locked;
}

/** Which of the just-inserted registrations (indexes, arrival order) are past a limit, and the 422 each gets. */
async function enforceCapacity(
  sql: Sql,
  items: PendingRegistration[],
  inserted: number[],
  events: Map<string, LockedEvent>,
  ticketTypes: Map<string, LockedTicketType>,
): Promise<Map<number, AppError>> {
  const refused = new Map<number, AppError>();
  const eventCapacity = (item: PendingRegistration) => events.get(item.event.id)?.capacity ?? null;
  const ticketTypeCapacity = (item: PendingRegistration) => ticketTypes.get(item.ticketType.id)?.capacity ?? null;
  const limited = inserted.filter((i) => eventCapacity(items[i]!) !== null || ticketTypeCapacity(items[i]!) !== null);
  if (limited.length === 0) return refused;
  const distinct = (values: string[]) => [...new Set(values)];
  // Seats taken per event and ticket type from the trigger-kept counters (a few shard rows, whatever the event's
  // size; counting the event's rows grew with every registration), read under the locks: every write that changes
  // seats of a limited event or type holds its row lock, and the counters move in the writer's own transaction.
  const { taken } = await seatCounts(sql, distinct(limited.map((i) => items[i]!.event.id)));
  // The counts include this batch's rows; seats go to them in arrival order, and the rest are refused.
  const groups = (item: PendingRegistration) => {
    const event = eventCapacity(item);
    const ticketType = ticketTypeCapacity(item);
    return [
      event !== null ? { key: `${item.event.id}\n${item.testMode}`, capacity: event } : null,
      ticketType !== null ? { key: `${item.ticketType.id}\n${item.testMode}`, capacity: ticketType } : null,
    ] as const;
  };
  // Someone already waits for this type: a newcomer joins the line behind them, whatever seat is free this moment.
  const lines = await nonEmptyLines(sql, distinct(limited.map((i) => items[i]!.ticketType.id).filter((id) => ticketTypes.get(id)!.waitlist !== 'OFF')));
  const mine = new Map<string, number>();
  for (const i of limited) for (const group of groups(items[i]!)) if (group) mine.set(group.key, (mine.get(group.key) ?? 0) + 1);
  const free = new Map<string, number>();
  for (const i of limited) {
    for (const group of groups(items[i]!)) if (group) free.set(group.key, group.capacity - ((taken.get(group.key) ?? 0) - mine.get(group.key)!));
  }
  for (const i of limited) {
    const item = items[i]!;
    const [event, ticketType] = groups(item);
    if (lines.has(`${item.ticketType.id}\n${item.testMode}`)) refused.set(i, soldOut(item));
    else if (event && free.get(event.key)! <= 0) refused.set(i, invalidInput({ event: ['This event is full.'] }));
    else if (ticketType && free.get(ticketType.key)! <= 0) refused.set(i, soldOut(item));
    else {
      if (event) free.set(event.key, free.get(event.key)! - 1);
      if (ticketType) free.set(ticketType.key, free.get(ticketType.key)! - 1);
    }
  }
  return refused;
}

/**
 * Candidates (indexes) of types with a waitlist whose seats are all taken, counting only what was committed before
 * this batch (its rows are not written yet), or whose line has someone in it: each goes to the line whatever the rest
 * of the batch does (a duplicate among the others frees nothing). The others are decided after inserting.
 */
async function alreadyFull(
  sql: Sql,
  items: PendingRegistration[],
  candidates: number[],
  events: Map<string, LockedEvent>,
  ticketTypes: Map<string, LockedTicketType>,
): Promise<{ full: number[]; waiting: Map<string, number> }> {
  const eventCapacity = (item: PendingRegistration) => events.get(item.event.id)?.capacity ?? null;
  const type = (item: PendingRegistration) => ticketTypes.get(item.ticketType.id)!;
  const waitlisting = candidates.filter((i) => {
    const item = items[i]!;
    return type(item).waitlist !== 'OFF' && !type(item).requires_approval && (eventCapacity(item) !== null || type(item).capacity !== null);
  });
  if (waitlisting.length === 0) return { full: [], waiting: new Map() };
  // The trigger-kept counters, one statement: exact here, as whatever changes a type's seats or line holds its lock.
  const counts = await seatCounts(sql, [...new Set(waitlisting.map((i) => items[i]!.event.id))]);
  const taken = (key: string) => counts.taken.get(key) ?? 0;
  const full = waitlisting.filter((i) => {
    const item = items[i]!;
    const capacityOf = [eventCapacity(item), type(item).capacity] as const;
    return (
      (counts.waiting.get(`${item.ticketType.id}\n${item.testMode}`) ?? 0) > 0 ||
      (capacityOf[0] !== null && taken(`${item.event.id}\n${item.testMode}`) >= capacityOf[0]) ||
      (capacityOf[1] !== null && taken(`${item.ticketType.id}\n${item.testMode}`) >= capacityOf[1])
    );
  });
  return { full, waiting: counts.waiting };
}

const soldOut = (item: PendingRegistration) => invalidInput({ ticket_type_slug: [`Ticket type "${item.ticketType.slug}" is sold out.`] });

/**
 * For a change to an existing attendee's seat (a cancelled attendee coming back, a move to another ticket type):
 * locks the event, then the ticket type, FOR UPDATE — registration's order — and reads their capacities.
 * Call it before locking the attendee's own row.
 */
export async function lockSeatRows(sql: Sql, options: { eventId: string; ticketTypeId: string }) {
  const [event] = await lockEvents(sql, [options.eventId], 'FOR UPDATE');
  const [ticketType] = await lockTicketTypes(sql, [options.ticketTypeId], 'FOR UPDATE');
  return { event, ticketType };
}

/** Under lockSeatRows' locks: the 422 if no seat is free for one more attendee of this mode, else null. */
export async function seatRefusal(
  sql: Sql,
  options: {
    event: LockedEvent | undefined;
    ticketType: LockedTicketType | undefined;
    slug: string;
    testMode: boolean;
    /** False when the attendee keeps their seat in the event and only changes ticket type. */
    countEvent: boolean;
  },
): Promise<AppError | null> {
  const { event, ticketType, testMode } = options;
  const takenIn = async (column: 'event_id' | 'ticket_type_id', id: string) =>
    (await countTakenSeats(sql, column, [id])).find((row) => row.test_mode === testMode)?.taken ?? 0;
  if (options.countEvent && event && event.capacity !== null && (await takenIn('event_id', event.id)) >= event.capacity) {
    return invalidInput({ event: ['This event is full.'] });
  }
  if (ticketType && ticketType.capacity !== null && (await takenIn('ticket_type_id', ticketType.id)) >= ticketType.capacity) {
    return invalidInput({ ticket_type_slug: [`Ticket type "${options.slug}" is sold out.`] });
  }
  return null;
}
