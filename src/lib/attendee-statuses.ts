import type { AttendeeStatus } from '../generated/prisma/client.ts';

/**
 * What each attendee status means for a seat and for the door — the one place that says so (the SQL counterparts:
 * `SEAT_HOLDING_SQL` here, and the counters' trigger, migration 20261206183100_waitlist_approval).
 */
export const ATTENDEE_STATUSES = [
  'REGISTERED',
  'CHECKED_IN',
  'CANCELLED',
  'NO_SHOW',
  'WAITLISTED',
  'OFFERED',
  'PENDING_APPROVAL',
  'DECLINED',
] as const satisfies readonly AttendeeStatus[];

/** Statuses that take a seat of the event's and the ticket type's capacity: an offered seat is held for its taker. */
export const SEAT_HOLDING: ReadonlySet<AttendeeStatus> = new Set(['REGISTERED', 'CHECKED_IN', 'NO_SHOW', 'OFFERED']);

/** `status IN (…)` of SEAT_HOLDING, for statements. */
export const SEAT_HOLDING_SQL = `status IN (${[...SEAT_HOLDING].map((s) => `'${s}'`).join(', ')})`;

/** Statuses whose ticket (QR code, signed code) opens the door and is shown to its holder. */
export const HAS_TICKET: ReadonlySet<AttendeeStatus> = new Set(['REGISTERED', 'CHECKED_IN', 'NO_SHOW']);

export const holdsSeat = (status: AttendeeStatus): boolean => SEAT_HOLDING.has(status);
export const hasTicket = (status: AttendeeStatus): boolean => HAS_TICKET.has(status);

/**
 * Whether REST and the CSV show the ticket's code (qr_token, qr_code_url): holders of a ticket, and the cancelled as
 * before this status existed (the door refuses their code). Waiting, offered, pending and declined people: null.
 */
export const showsTicketCode = (status: AttendeeStatus): boolean => HAS_TICKET.has(status) || status === 'CANCELLED';

/** Statuses an organiser may set by hand (updateAttendeeStatus); the others have their own mutations. */
export const MANUAL_STATUSES = ['REGISTERED', 'CHECKED_IN', 'CANCELLED', 'NO_SHOW'] as const satisfies readonly AttendeeStatus[];
