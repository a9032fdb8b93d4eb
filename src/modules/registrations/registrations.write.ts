import { randomUUID } from 'node:crypto';
import { poolSql, type Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, Event, Prisma, TicketType } from '../../generated/prisma/client.ts';
import { type AppError, invalidInput, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { attendeeFromRow } from '../attendees/index.ts';
import { ticketSigner } from '../door/index.ts';
import { enqueueAttendeeEmails } from '../emails/index.ts';
import { readSharedLimits, SeatLedger, type SeatLimit, type SeatRequest } from '../events/index.ts';
import { type EnabledEndpoint, emitTriggers, enabledEndpointsOf } from '../webhooks/index.ts';
import {
  accessCodeUses,
  deleteAttendees,
  findAccessCode,
  insertAttendees,
  type LockedAccessCode,
  type LockedEvent,
  type LockedTicketType,
  type LockMode,
  lockAccessCodes,
  lockEvents,
  lockTicketTypes,
} from './registrations.sql.ts';
import { lineLengths, nextWaitlistRanks, putInLine, seatCounts } from './waitlist.sql.ts';

/** Where a registration came from (registration_source). */
export type RegistrationSource = 'API' | 'FORM' | 'IMPORT' | 'DASHBOARD';

export const DUPLICATE_EMAIL = 'This email has already been registered for this event.';

/** The refusals of an access code (422 on the field `access_code`, CONTRACT §14). */
export const ACCESS_CODE = {
  invalid: 'The access code is invalid.',
  notYet: 'The access code is not valid yet.',
  expired: 'The access code has expired.',
  usedUp: 'The access code has been used up.',
  wrongType: 'The access code is not valid for this ticket type.',
} as const;
const codeRefused = (message: string) => invalidInput({ access_code: [message] });

/** Ticket types an organiser hides are refused to these sources unless a code unlocks them (dashboard and imports may). */
const PUBLIC_SOURCES: ReadonlySet<RegistrationSource> = new Set(['API', 'FORM']);

/** A validated registration, ready to be written. */
export interface PendingRegistration {
  event: Pick<Event, 'id' | 'name' | 'organisationId' | 'capacity' | 'ticketCodes' | 'sharedLimits'>;
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
  /** The access code given (`access_code`), trimmed; null when none. */
  accessCode: string | null;
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
 *
 * Round trips: the locks and the read of the webhook endpoints go out together with the transaction's BEGIN. With
 * `endsTransaction` (the caller writes nothing after it, in an sqlTransaction), when nothing can follow the INSERT —
 * no seats counted, no limited code, no email, no endpoint listening — its COMMIT goes out with it (commitNow):
 * two round trips in all for a batch of an unlimited event.
 */
export async function insertRegistrations(
  deps: Deps,
  sql: Sql,
  items: PendingRegistration[],
  exclusive: ExclusiveRows,
  options: { endsTransaction?: boolean } = {},
): Promise<Array<Attendee | AppError>> {
  const results: Array<Attendee | AppError | undefined> = new Array(items.length);
  // Issued at once, in this order (each issues its statement before its first await): the events' and ticket types'
  // locks, the codes' locks, then the endpoints' read — one round trip on the pipelined pool.
  const lockedRows = lockRows(sql, items, exclusive);
  const lockedCodes = lockCodes(sql, items);
  const listeners = listenersOf(sql, items);
  // Each is awaited below; seen now, so that one failing while an earlier one's failure ends the write is not unhandled.
  for (const pending of [lockedRows, lockedCodes, listeners]) pending.catch(() => {});
  const { events, ticketTypes } = await lockedRows;
  const codes = await lockedCodes;
  const codeOf = (item: PendingRegistration) => (item.accessCode ? codes.get(`${item.event.id}\n${item.accessCode.toLowerCase()}`) : undefined);
  const now = deps.clock.nowMs();

  const emailKey = (item: PendingRegistration) => `${item.event.id}\n${item.testMode}\n${item.columns.emailNormalized}`;
  const seen = new Set<string>();
  const candidates: number[] = [];
  items.forEach((item, i) => {
    const event = events.get(item.event.id);
    const type = ticketTypes.get(item.ticketType.id);
    const closed = event ? registrationClosedReason(lockedWindow(event), item.source, now) : null;
    const code = item.accessCode ? codeRefusal(codeOf(item), item.ticketType.id, now) : null;
    if (!event) results[i] = notFound('Event');
    else if (!type || (type.hidden && !item.accessCode && PUBLIC_SOURCES.has(item.source))) results[i] = typeNotFound(item);
    else if (closed) results[i] = invalidInput({ event: [closed] });
    else if (code) results[i] = codeRefused(code);
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
  const seats = await readSeats(deps, sql, items, candidates, events, ticketTypes);
  // Uses of the batch's limited codes before it (under their locks): this batch's are counted as they are decided.
  const limitedCodes = new Set(
    candidates
      .map((i) => codeOf(items[i]!))
      .filter((c) => c?.max_uses != null)
      .map((c) => c!.id),
  );
  const uses = await accessCodeUses(sql, [...limitedCodes]);
  const request = (i: number): SeatRequest => {
    const item = items[i]!;
    return { eventId: item.event.id, ticketTypeId: item.ticketType.id, testMode: item.testMode, accessCodeId: codeOf(item)?.id ?? null };
  };
  const lineKey = (i: number) => `${items[i]!.ticketType.id}\n${items[i]!.testMode}`;
  const type = (i: number) => ticketTypes.get(items[i]!.ticketType.id)!;
  // Someone waits for this type (and its waitlist is on): a newcomer joins the line behind them, whatever seat is free
  // this moment — unless seats are held for their code, which nobody in line may take.
  const mustQueue = (i: number) => type(i).waitlist !== 'OFF' && (seats?.waiting.get(lineKey(i)) ?? 0) > 0 && !seats?.ledger.holdsFor(request(i));
  // A type that is full already (or has people waiting) puts every newcomer in line: written so at once, with their
  // places in arrival order, instead of inserted as registered and then moved there. Decided on what was committed
  // before this batch, whatever the rest of the batch does (a duplicate among the others frees nothing).
  const straightToLine = seats
    ? candidates
        .filter((i) => type(i).waitlist !== 'OFF' && !type(i).requires_approval && (mustQueue(i) || seats.ledger.refusal(request(i)) !== null))
        .sort((a, b) => a - b)
    : [];
  const rankOf = new Map((await nextWaitlistRanks(sql, straightToLine.length)).map((rank, k) => [straightToLine[k]!, rank]));
  const column = <T>(pick: (item: PendingRegistration, i: number) => T) => candidates.map((i) => pick(items[i]!, i));
  // Nothing can follow the INSERT: no seat or code use to count (so no refusal or line after it), no email, no delivery.
  const insertIsLast =
    options.endsTransaction === true &&
    seats === null &&
    limitedCodes.size === 0 &&
    !candidates.some((i) => items[i]!.sendEmail) &&
    (await listeners).length === 0;
  const inserting =
    candidates.length === 0
      ? Promise.resolve([])
      : insertAttendees(sql, {
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
          status: column((_, i) => (type(i).requires_approval ? 'PENDING_APPROVAL' : rankOf.has(i) ? 'WAITLISTED' : 'REGISTERED')),
          waitlistRank: column((_, i) => rankOf.get(i)?.toString() ?? null),
          ticketCode: column((item, i) =>
            item.event.ticketCodes === 'SIGNED'
              ? signers.get(item.event.organisationId)!({ id: ids.get(i)!, eventId: item.event.id, ticketTypeId: item.columns.ticketTypeId })
              : null,
          ),
          accessCodeId: column((item) => codeOf(item)?.id ?? null),
          accessCode: column((item) => codeOf(item)?.code ?? null),
        });
  if (insertIsLast) deps.db.commitNow(sql);
  const rows = await inserting;
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

  // Each inserted registration in arrival order: a code's last use, then a seat (out of every limit of its type), or
  // the line, or a refusal. Pending requests hold no seat; those already put in line take none.
  const refused = new Map<number, AppError>();
  const toLine: number[] = [];
  const queued = new Set([...inserted.filter((i) => rankOf.has(i)).map(lineKey), ...[...(seats?.waiting ?? [])].filter(([, n]) => n > 0).map(([k]) => k)]);
  for (const i of inserted) {
    const item = items[i]!;
    const code = codeOf(item);
    const useKey = code ? `${code.id}\n${item.testMode}` : '';
    if (code?.max_uses != null && (uses.get(useKey) ?? 0) >= code.max_uses) {
      refused.set(i, codeRefused(ACCESS_CODE.usedUp));
      continue;
    }
    if (seats && !type(i).requires_approval && !rankOf.has(i)) {
      const waits = type(i).waitlist !== 'OFF' && queued.has(lineKey(i)) && !seats.ledger.holdsFor(request(i));
      const full = waits ? ({ kind: 'ticketType', id: item.ticketType.id } as const) : seats.ledger.refusal(request(i));
      if (full && type(i).waitlist === 'OFF') {
        refused.set(i, full.kind === 'event' ? invalidInput({ event: ['This event is full.'] }) : soldOut(item));
        continue;
      }
      if (full) {
        // Refused for want of a seat, with the ticket type's waitlist on: in line instead, in arrival order.
        toLine.push(i);
        queued.add(lineKey(i));
      } else seats.ledger.take(request(i));
    }
    if (code) uses.set(useKey, (uses.get(useKey) ?? 0) + 1);
  }
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
  const waiting = inserted.filter((i) => !refused.has(i) && (results[i] as Attendee).status === 'WAITLISTED').map((i) => results[i] as Attendee);
  const positions = await linePositions(sql, waiting, lined.length === 0 && seats ? seats.waiting : null);
  for (const attendee of waiting) Object.assign(attendee, { waitlistPosition: positions.get(attendee.id) ?? null });
  const accepted = inserted.filter((i) => !refused.has(i)).map((i) => ({ item: items[i]!, attendee: results[i] as Attendee }));
  await announceRegistrations(deps, sql, accepted, await listeners);
  return results as Array<Attendee | AppError>;
}

const typeNotFound = (item: PendingRegistration) => invalidInput({ ticket_type_slug: [`Ticket type "${item.ticketType.slug}" not found.`] });

/**
 * Why a code given with a registration cannot be used for this ticket type now (CONTRACT §14), or null. Without a
 * ticket type: whether it can be used at all (the public form's view of a code).
 */
export function codeRefusal(code: LockedAccessCode | undefined, ticketTypeId: string | null, now: number): string | null {
  if (!code?.enabled) return ACCESS_CODE.invalid;
  if (code.valid_until && now > code.valid_until.getTime()) return ACCESS_CODE.expired;
  if (code.valid_from && now < code.valid_from.getTime()) return ACCESS_CODE.notYet;
  if (ticketTypeId && code.ticket_type_ids.length > 0 && !code.ticket_type_ids.includes(ticketTypeId)) return ACCESS_CODE.wrongType;
  return null;
}

/**
 * A code as the public form sees it (no lock: a view that was right when read): the code, or the 422 it would be
 * refused with (invalid, not valid yet, expired, used up), and how many uses it has left (null: no limit).
 */
export async function viewAccessCode(deps: Deps, options: { eventId: string; text: string }): Promise<{ code: LockedAccessCode; usesLeft: number | null }> {
  const sql = poolSql(deps);
  const code = await findAccessCode(sql, options.eventId, options.text.trim().toLowerCase());
  const refusal = codeRefusal(code, null, deps.clock.nowMs());
  if (refusal || !code) throw codeRefused(refusal ?? ACCESS_CODE.invalid);
  if (code.max_uses === null) return { code, usesLeft: null };
  const uses = (await accessCodeUses(sql, [code.id])).get(`${code.id}\nfalse`) ?? 0;
  if (uses >= code.max_uses) throw codeRefused(ACCESS_CODE.usedUp);
  return { code, usesLeft: code.max_uses - uses };
}

/** The enabled webhook endpoints of the organisations of the batch's live registrations (test mode never fires). */
async function listenersOf(sql: Sql, items: PendingRegistration[]): Promise<EnabledEndpoint[]> {
  const organisations = [...new Set(items.filter((item) => !item.testMode).map((item) => item.event.organisationId))];
  return organisations.length === 0 ? [] : await enabledEndpointsOf(sql, organisations);
}

/** The codes the batch names, locked (`${eventId}\n${lower-cased code}` keys). */
async function lockCodes(sql: Sql, items: PendingRegistration[]): Promise<Map<string, LockedAccessCode>> {
  const keys = new Map<string, { eventId: string; normalized: string }>();
  for (const item of items) {
    if (item.accessCode) keys.set(`${item.event.id}\n${item.accessCode.toLowerCase()}`, { eventId: item.event.id, normalized: item.accessCode.toLowerCase() });
  }
  const rows = await lockAccessCodes(sql, [...keys.values()]);
  return new Map(rows.map((row) => [`${row.event_id}\n${row.code_normalized}`, row]));
}

/**
 * The seats of the batch's limited events and ticket types, read under the locks before anything is written: the
 * trigger-kept counters (a few shard rows, whatever the event's size; exact, as every write that changes seats of a
 * limited event or type holds its row lock and moves the counters in its own transaction), and the quotas and held
 * seats of events with shared limits. Null when nothing in the batch is limited.
 */
async function readSeats(
  deps: Deps,
  sql: Sql,
  items: PendingRegistration[],
  candidates: number[],
  events: Map<string, LockedEvent>,
  ticketTypes: Map<string, LockedTicketType>,
): Promise<{ ledger: SeatLedger; waiting: Map<string, number> } | null> {
  const limited = candidates.filter((i) => {
    const event = events.get(items[i]!.event.id)!;
    return event.capacity !== null || event.shared_limits || ticketTypes.get(items[i]!.ticketType.id)!.capacity !== null;
  });
  if (limited.length === 0) return null;
  const eventIds = [...new Set(limited.map((i) => items[i]!.event.id))];
  const counts = await seatCounts(sql, eventIds);
  const shared = await readSharedLimits(
    sql,
    eventIds.filter((id) => events.get(id)!.shared_limits),
    deps.clock.now(),
  );
  const ledger = new SeatLedger(
    {
      events: new Map(eventIds.map((id) => [id, events.get(id)!.capacity])),
      ticketTypes: new Map([...ticketTypes.values()].map((t) => [t.id, t.capacity])),
      ...shared,
    },
    counts.taken,
  );
  return { ledger, waiting: counts.waiting };
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
async function announceRegistrations(
  deps: Deps,
  sql: Sql,
  accepted: Array<{ item: PendingRegistration; attendee: Attendee }>,
  listeners: EnabledEndpoint[],
): Promise<void> {
  const announced = (status: keyof typeof ANNOUNCEMENT) => accepted.filter(({ attendee }) => attendee.status === status);
  for (const status of Object.keys(ANNOUNCEMENT) as Array<keyof typeof ANNOUNCEMENT>) {
    const these = announced(status);
    if (these.length === 0) continue;
    await emitTriggers(
      deps,
      sql,
      these.map(({ item, attendee }) => ({ trigger: ANNOUNCEMENT[status].trigger, attendee, event: item.event, ticketType: item.ticketType })),
      listeners,
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
    const countsSeats = item.event.capacity !== null || item.event.sharedLimits || exclusive.events.has(item.event.id);
    eventMode.set(item.event.id, countsSeats ? 'FOR UPDATE' : 'FOR SHARE');
    ticketTypeMode.set(item.ticketType.id, item.ticketType.capacity !== null || exclusive.ticketTypes.has(item.ticketType.id) ? 'FOR UPDATE' : 'FOR SHARE');
    eventOfTicketType.set(item.ticketType.id, item.event.id);
  }
  // Issued together, events' locks first: the connection sends them in this order, one after another (pipelined with
  // the transaction's BEGIN), and PostgreSQL takes the locks in it — the one order that keeps batches from deadlocking.
  const [lockedEvents, lockedTypes] = await Promise.all([
    lockInOrder(eventMode, (ids, mode) => lockEvents(sql, ids, mode)),
    lockInOrder(ticketTypeMode, (ids, mode) => lockTicketTypes(sql, ids, mode)),
  ]);
  const events = new Map(lockedEvents.map((e) => [e.id, e]));
  const ticketTypes = new Map(lockedTypes.map((t) => [t.id, t]));

  const staleEvents = [...events.values()].filter((e) => (e.capacity !== null || e.shared_limits) && eventMode.get(e.id) === 'FOR SHARE').map((e) => e.id);
  const staleTicketTypes = [...ticketTypes.values()].filter((t) => t.capacity !== null && ticketTypeMode.get(t.id) === 'FOR SHARE').map((t) => t.id);
  if (staleEvents.length > 0 || staleTicketTypes.length > 0) {
    throw new StaleCapacityError(staleEvents, staleTicketTypes, [...new Set([...staleEvents, ...staleTicketTypes.map((id) => eventOfTicketType.get(id)!)])]);
  }
  return { events, ticketTypes };
}

/**
 * Locks ids in ascending order, one statement per run of ids that share a lock mode. The statements are issued at
 * once, in that order (`lock` must issue its statement before its first await): a connection runs them in it.
 */
async function lockInOrder<T>(modes: Map<string, LockMode>, lock: (ids: string[], mode: LockMode) => Promise<T[]>): Promise<T[]> {
  const runs: Array<Promise<T[]>> = [];
  let run: string[] = [];
  let runMode: LockMode | null = null;
  for (const id of [...modes.keys()].sort()) {
    const mode = modes.get(id)!;
    if (runMode && mode !== runMode) {
      runs.push(lock(run, runMode));
      run = [];
    }
    run.push(id);
    runMode = mode;
  }
  if (runMode && run.length > 0) runs.push(lock(run, runMode));
  return (await Promise.all(runs)).flat();
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

/**
 * Under the event's exclusive lock (lockSeatRows, or a fill's): the limit with no seat left for this request — the
 * event's capacity, the type's, a quota, or seats held for a code's holders — or null when it can take one.
 */
export async function seatLimitReached(
  deps: Deps,
  sql: Sql,
  options: { event: LockedEvent; ticketType: LockedTicketType; request: SeatRequest },
): Promise<SeatLimit | null> {
  const { event, ticketType } = options;
  if (event.capacity === null && ticketType.capacity === null && !event.shared_limits) return null;
  const counts = await seatCounts(sql, [event.id]);
  const shared = event.shared_limits ? await readSharedLimits(sql, [event.id], deps.clock.now()) : { quotas: [], reservations: [] };
  const ledger = new SeatLedger(
    { events: new Map([[event.id, event.capacity]]), ticketTypes: new Map([[ticketType.id, ticketType.capacity]]), ...shared },
    counts.taken,
  );
  return ledger.refusal(options.request);
}

/** Under lockSeatRows' locks: the 422 if no seat is free for one more attendee of this mode, else null. */
export async function seatRefusal(
  deps: Deps,
  sql: Sql,
  options: {
    event: LockedEvent | undefined;
    ticketType: LockedTicketType | undefined;
    slug: string;
    testMode: boolean;
    /** The type whose seat the attendee holds and keeps while changing type (limits both share are not counted). */
    keeps: string | null;
    accessCodeId: string | null;
  },
): Promise<AppError | null> {
  const { event, ticketType } = options;
  if (!event || !ticketType) return null;
  const full = await seatLimitReached(deps, sql, {
    event,
    ticketType,
    request: { eventId: event.id, ticketTypeId: ticketType.id, testMode: options.testMode, accessCodeId: options.accessCodeId, keeps: options.keeps },
  });
  if (!full) return null;
  return full.kind === 'event'
    ? invalidInput({ event: ['This event is full.'] })
    : invalidInput({ ticket_type_slug: [`Ticket type "${options.slug}" is sold out.`] });
}
