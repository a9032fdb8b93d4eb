import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, Prisma, TicketType } from '../../generated/prisma/client.ts';
import { type Actor, type AuthenticatedActor, authorize, isTestMode, requireActor } from '../../lib/actor.ts';
import { ATTENDEE_STATUSES, showsTicketCode } from '../../lib/attendee-statuses.ts';
import { invalidCursor, invalidField, invalidInput, notFound } from '../../lib/errors.ts';
import { parseId } from '../../lib/ids.ts';
import { COUNT_CAP } from '../../lib/pagination.ts';
import { parseInput } from '../../lib/validation.ts';
import { type CachedEvent, findCachedEvent, readEventCounts, ticketTypeCounts } from '../events/index.ts';
import { ticketContent } from '../qr/index.ts';
import {
  ATTENDEE_ORDER_SEGMENTS,
  type AttendeeFilter,
  type AttendeeOrder,
  attendeeFromRow,
  countAttendeesUpTo,
  eventUsesAccessCodes,
  findEventAttendee,
  pageAttendeeRows,
  waitlistPositions,
} from './attendees.sql.ts';

/**
 * Every read of attendees — REST's list, one registration and CSV export, GraphQL's connection, node and counts —
 * goes through here, with one filter (attendees.sql.ts) and one search: case-insensitive *contains* over first
 * name, last name and email, `%` and `_` meaning themselves (docs/integrators.md, docs/graphql.md). Every list
 * walks an index in its order from a keyset cursor, so a deep page costs what the first does.
 */

export const REGISTRATION_SOURCES = ['API', 'FORM', 'IMPORT', 'DASHBOARD'] as const;
export const ATTENDEE_ORDERS = Object.keys(ATTENDEE_ORDER_SEGMENTS) as [AttendeeOrder, ...AttendeeOrder[]];

/** An attendee with the name and slug of its ticket type: what REST and the CSV show. */
export type AttendeeWithTicketType = Attendee & { ticketType: Pick<TicketType, 'name' | 'slug'> };

type AttendeeQuery = { include?: Prisma.AttendeeInclude; select?: Prisma.AttendeeSelect };

/** An attendee the actor may see (its organisation; an API key sees only its own mode). */
export async function findAuthorizedAttendee(
  deps: Deps,
  options: { actor: Actor; attendeeId: string; permission: 'attendees:read' | 'attendees:manage' },
): Promise<{ actor: AuthenticatedActor; attendee: Attendee }> {
  const actor = authorize(options.actor, options.permission);
  const id = parseId('attendee', options.attendeeId);
  const attendee = id ? await deps.prisma.attendee.findUnique({ where: { id } }) : null;
  if (!attendee || (actor.kind === 'apiKey' && isTestMode(actor) !== attendee.testMode)) throw notFound('Attendee');
  if (attendee.organisationId !== actor.organisationId) throw notFound('Attendee');
  return { actor, attendee };
}

/** One attendee for GraphQL; a dashboard user's read is audited (attendee.read). */
export async function getAttendee(deps: Deps, options: { actor: Actor; attendeeId: string; query?: AttendeeQuery }) {
  const { actor, attendee } = await findAuthorizedAttendee(deps, { ...options, permission: 'attendees:read' });
  if (actor.kind === 'user') deps.audit.record(actor, 'attendee.read', attendee.id);
  return options.query ? await deps.prisma.attendee.findUniqueOrThrow({ ...options.query, where: { id: attendee.id } }) : attendee;
}

const ListInput = z.object({
  status: z.enum(ATTENDEE_STATUSES).nullish(),
  search: z.string().trim().max(200).nullish(),
  ticketTypeSlug: z.string().trim().max(100).nullish(),
  source: z.enum(REGISTRATION_SOURCES).nullish(),
  checkedIn: z.boolean().nullish(),
  orderBy: z.enum(ATTENDEE_ORDERS).nullish(),
});

/** The event's attendees in the actor's mode matching GraphQL's `filters` (validated; a ticket type named by slug). */
async function graphqlFilter(deps: Deps, options: { actor: Actor; eventId: string; filters: unknown }) {
  const event = await findCachedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  const actor = requireActor(options.actor);
  const filters = parseInput(ListInput, options.filters ?? {});
  let ticketTypeId: string | null = null;
  if (filters.ticketTypeSlug) {
    const ticketType = event.ticketTypes.find((t) => t.slug === filters.ticketTypeSlug);
    if (!ticketType) throw invalidInput({ ticketTypeSlug: [`The event has no ticket type "${filters.ticketTypeSlug}".`] });
    ticketTypeId = ticketType.id;
  }
  const filter: AttendeeFilter = { ...filters, eventId: event.id, testMode: isTestMode(actor), ticketTypeId, search: filters.search || null };
  return { actor, event, filters, filter };
}

/**
 * One page of an event's attendees for the dashboard, in the actor's mode (test keys: test mode), filtered by
 * status, ticket type, source, checked in or not, and the search, in one of ATTENDEE_ORDERS (registration order
 * by default). The page's ids come from one index range (keyset from the cursor row); `query` is Pothos's
 * selection (ticket type, fields…), loaded for those ids, so a page costs the same few statements whatever its
 * size. A dashboard user's page is audited (attendees.listed, the event).
 */
export async function listAttendees(
  deps: Deps,
  options: {
    actor: Actor;
    eventId: string;
    filters: unknown;
    query: AttendeeQuery & { take: number; skip: number; cursor?: Prisma.AttendeeWhereUniqueInput };
  },
): Promise<Attendee[]> {
  const { actor, event, filters, filter } = await graphqlFilter(deps, options);
  if (actor.kind === 'user') deps.audit.record(actor, 'attendees.listed', event.id);
  const { take, skip: _skip, cursor, ...selection } = options.query;
  // A cursor is a row id: only one of this list may position it (another organisation's id would reveal its order).
  const page = await pageAttendeeRows(poolSql(deps), {
    filter,
    order: filters.orderBy ?? 'REGISTERED_AT_ASC',
    take,
    cursor: cursor?.id ? { id: cursor.id } : undefined,
    columns: 'id',
  });
  if (!page) throw invalidCursor();
  if (page.length === 0) return [];
  const ids = page.map((row) => row.id as string);
  const rows = await deps.prisma.attendee.findMany({ ...selection, where: { id: { in: ids } } });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * How many attendees the same filters match. Status, ticket type and checked-in filters are answered from the
 * trigger-kept counters (no count of the event's rows); a search or a source filter counts matching rows, up to
 * COUNT_CAP.
 */
export async function countAttendees(deps: Deps, options: { actor: Actor; eventId: string; filters: unknown }): Promise<number> {
  const { event, filters, filter } = await graphqlFilter(deps, options);
  if (filter.search || filter.source) return await countAttendeesUpTo(poolSql(deps), filter, COUNT_CAP);
  const counts = (await readEventCounts(poolSql(deps), [event.id], filter.testMode)).get(event.id)!;
  const c = filter.ticketTypeId ? ticketTypeCounts(counts, filter.ticketTypeId) : counts.total;
  const byStatus: Record<(typeof ATTENDEE_STATUSES)[number], number> = {
    REGISTERED: c.registered - c.checkedIn - c.noShow - c.offered,
    CHECKED_IN: c.checkedIn,
    CANCELLED: c.cancelled,
    NO_SHOW: c.noShow,
    WAITLISTED: c.waitlisted,
    OFFERED: c.offered,
    PENDING_APPROVAL: c.pendingApproval,
    DECLINED: c.declined,
  };
  return ATTENDEE_STATUSES.filter(
    (status) => (!filters.status || status === filters.status) && (filters.checkedIn == null || (status === 'CHECKED_IN') === filters.checkedIn),
  ).reduce((sum, status) => sum + byStatus[status], 0);
}

const DEFAULT_LIMIT = 25;

/** REST's query string (registrations.schemas.ts documents it; validated there, so this only types it). */
export interface RegistrationListQuery {
  limit?: number | undefined;
  cursor?: string | undefined;
  status?: string | undefined;
  ticket_type_slug?: string | undefined;
  email?: string | undefined;
  q?: string | undefined;
}

export interface RegistrationPage {
  event: CachedEvent;
  attendees: AttendeeWithTicketType[];
  nextCursor: string | null;
  /** The waitlisted attendees' places in line (REST shows `waitlist_position` for them). */
  waitlistPositions: ReadonlyMap<string, number>;
}

/**
 * One page of an event's registrations for REST, oldest first, in the key's mode (a test key sees only test
 * registrations, a live key only live ones). The cursor is opaque: the last row's (registered_at, id), so a page
 * is one index range however deep.
 */
export async function listRegistrations(deps: Deps, options: { actor: Actor; eventId: string; query: RegistrationListQuery }): Promise<RegistrationPage> {
  const event = await findCachedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  const { query } = options;
  const limit = query.limit ?? DEFAULT_LIMIT;
  const ticketType = query.ticket_type_slug ? event.ticketTypes.find((t) => t.slug === query.ticket_type_slug) : undefined;
  // An unknown slug matches nothing (the seed's list filters; it is not an error).
  if (query.ticket_type_slug && !ticketType) return { event, attendees: [], nextCursor: null, waitlistPositions: new Map() };
  const filter: AttendeeFilter = {
    eventId: event.id,
    testMode: isTestMode(requireActor(options.actor)),
    status: query.status ? (query.status.toUpperCase() as AttendeeFilter['status']) : null,
    ticketTypeId: ticketType?.id ?? null,
    emailNormalized: query.email ? query.email.trim().toLowerCase() : null,
    search: query.q?.trim() || null,
  };
  const position = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await pageAttendeeRows(poolSql(deps), {
    filter,
    order: 'REGISTERED_AT_ASC',
    take: limit + 1,
    cursor: position ? { position: { registered_at: position.registeredAt, id: position.id } } : undefined,
    columns: 'all',
  });
  const attendees = await withTicketTypes(deps, event, (rows ?? []).slice(0, limit).map(attendeeFromRow));
  const last = attendees.at(-1);
  return {
    event,
    attendees,
    nextCursor: (rows?.length ?? 0) > limit && last ? encodeCursor(last) : null,
    waitlistPositions: await waitlistPositionsOf(deps, attendees),
  };
}

/** Places in line of the waitlisted among `attendees`, in one statement (none when nobody waits). */
async function waitlistPositionsOf(deps: Deps, attendees: readonly Attendee[]): Promise<Map<string, number>> {
  return await waitlistPositions(
    poolSql(deps),
    attendees.filter((a) => a.status === 'WAITLISTED').map((a) => a.id),
  );
}

/** One registration of an event, in the key's mode. */
export async function getRegistration(
  deps: Deps,
  options: { actor: Actor; eventId: string; attendeeId: string },
): Promise<{ event: CachedEvent; attendee: AttendeeWithTicketType; waitlistPosition: number | null }> {
  const event = await findCachedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  const id = parseId('attendee', options.attendeeId);
  const attendee = id ? await findEventAttendee(poolSql(deps), { id, eventId: event.id, testMode: isTestMode(requireActor(options.actor)) }) : undefined;
  if (!attendee) throw notFound('Registration');
  const [withType] = await withTicketTypes(deps, event, [attendee]);
  return { event, attendee: withType!, waitlistPosition: (await waitlistPositionsOf(deps, [attendee])).get(attendee.id) ?? null };
}

const CSV_PAGE = 1_000;
/**
 * A cell that begins with = + - @ TAB or CR is prefixed with ' (OWASP's CSV injection advice, csv-stringify's
 * escape_formulas): what attendees typed into a public form must not run as a formula in the organiser's
 * spreadsheet.
 */
const CSV_OPTIONS = { escape_formulas: true } as const;
const CSV_COLUMNS = [
  'id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'country',
  'status',
  'ticket_type',
  'ticket_type_slug',
  'registration_source',
  'registered_at',
  'checked_in_at',
  'qr_token',
] as const;

/**
 * The event's attendees as CSV (REST's export and the download link of createAttendeesExport): documented columns, then one column per
 * custom field key; ISO 8601 times; in registration order. A test key exports test registrations, anyone else live
 * ones. Read a page at a time by keyset on the event's registration-order index, so memory stays flat and the
 * time is the event's, whatever else the database holds.
 */
export async function exportAttendeesCsv(deps: Deps, options: { actor: Actor; eventId: string }): Promise<AsyncGenerator<string>> {
  const event = await findCachedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:read' });
  deps.audit.record(requireActor(options.actor), 'attendees.exported_csv', event.id);
  const testMode = options.actor.kind === 'apiKey' && isTestMode(options.actor);
  const keys = event.customFields.map((f) => f.key);
  // The code each attendee used, for events with access codes only: every other export stays as it was, byte for byte.
  const codes = await eventUsesAccessCodes(poolSql(deps), event.id);
  return (async function* () {
    yield stringify([[...CSV_COLUMNS, ...(codes ? ['access_code'] : []), ...keys]], CSV_OPTIONS);
    let position: Record<string, unknown> | undefined;
    for (;;) {
      const rows = await pageAttendeeRows(poolSql(deps), {
        filter: { eventId: event.id, testMode },
        order: 'REGISTERED_AT_ASC',
        take: CSV_PAGE,
        cursor: position ? { position } : undefined,
        columns: 'all',
      });
      if (!rows || rows.length === 0) return;
      const page = await withTicketTypes(deps, event, rows.map(attendeeFromRow));
      yield stringify(
        page.map((a) => {
          const data = (a.customData ?? {}) as Record<string, unknown>;
          return [
            a.id,
            a.firstName,
            a.lastName,
            a.email,
            a.phone ?? '',
            a.country ?? '',
            a.status.toLowerCase(),
            a.ticketType.name,
            a.ticketType.slug,
            a.source.toLowerCase(),
            a.registeredAt.toISOString(),
            a.checkedInAt?.toISOString() ?? '',
            showsTicketCode(a.status) ? ticketContent(a) : '',
            ...(codes ? [a.accessCode ?? ''] : []),
            ...keys.map((k) => cellValue(data[k])),
          ];
        }),
        CSV_OPTIONS,
      );
      const last = rows.at(-1)!;
      position = { registered_at: last.registered_at, id: last.id };
    }
  })();
}

/**
 * The attendees with their ticket type's name and slug, from the cached event; a type the cache does not know yet
 * (created a moment ago in another process) is read from the database.
 */
async function withTicketTypes(deps: Deps, event: CachedEvent, attendees: Attendee[]): Promise<AttendeeWithTicketType[]> {
  const known = new Map<string, Pick<TicketType, 'name' | 'slug'>>(event.ticketTypes.map((t) => [t.id, t]));
  const missing = [...new Set(attendees.map((a) => a.ticketTypeId).filter((id) => !known.has(id)))];
  if (missing.length > 0) {
    for (const t of await deps.prisma.ticketType.findMany({ where: { id: { in: missing } }, select: { id: true, name: true, slug: true } })) known.set(t.id, t);
  }
  return attendees.map((a) => {
    const type = known.get(a.ticketTypeId)!;
    return { ...a, ticketType: { name: type.name, slug: type.slug } };
  });
}

function cellValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(';');
  return String(value);
}

function encodeCursor(row: { registeredAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.registeredAt.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { registeredAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const registeredAt = new Date(at);
    if (typeof id === 'string' && !Number.isNaN(registeredAt.getTime())) return { registeredAt, id };
  } catch {
    // Falls through to the validation error.
  }
  throw invalidField('cursor', 'The cursor is invalid; pass next_cursor from the previous page.');
}
