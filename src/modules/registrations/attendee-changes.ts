import { z } from 'zod';
import { prismaSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee } from '../../generated/prisma/client.ts';
import type { Actor } from '../../lib/actor.ts';
import { invalidField, invalidInput, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { attendeeFromRow, findAuthorizedAttendee, holdsSeat, MANUAL_STATUSES } from '../attendees/index.ts';
import { auditChange, auditChanges } from '../audit/index.ts';
import { loadCachedEvent } from '../events/index.ts';
import { emitTrigger } from '../webhooks/index.ts';
import { attendeeColumns, validateRegistration } from './registrations.service.ts';
import { lockAttendee, updateAttendeeStatus } from './registrations.sql.ts';
import { lockSeatRows, seatRefusal } from './registrations.write.ts';
import { attendeeRows } from './waitlist.sql.ts';
import { fillFreedSeats, publishChanged } from './waitlist.ts';

const UpdateInput = z.strictObject({
  attendeeId: z.string().trim().min(1).max(64),
  first_name: z.unknown().optional(),
  last_name: z.unknown().optional(),
  email: z.unknown().optional(),
  phone: z.unknown().optional(),
  country: z.unknown().optional(),
  ticket_type_slug: z.unknown().optional(),
  custom_data: z.unknown().optional(),
});

/**
 * Edits an attendee under the registration rules (same validation, same email uniqueness per event and
 * mode, capacity of a new ticket type, decided under the same locks as registration). Input keys are the REST
 * ones; GraphQL maps its own.
 */
export async function updateAttendee(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Attendee> {
  const { attendeeId, ...changes } = parseInput(UpdateInput, options.input);
  const { actor, attendee } = await findAuthorizedAttendee(deps, { actor: options.actor, attendeeId, permission: 'attendees:manage' });
  // Erased is final: the person's data comes back only if they register again (a new attendee).
  if (attendee.erasedAt) throw invalidField('attendeeId', 'This attendee’s personal data was erased; it cannot be edited.');
  const event = await loadCachedEvent(deps, attendee.eventId);
  if (!event) throw notFound('Attendee');
  const currentType = event.ticketTypes.find((t) => t.id === attendee.ticketTypeId);
  const merged = {
    first_name: attendee.firstName,
    last_name: attendee.lastName,
    email: attendee.email,
    phone: attendee.phone,
    country: attendee.country,
    ticket_type_slug: currentType?.slug,
    custom_data: attendee.customData,
    ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
  };
  // The registration rules, but an event that has closed (or was cancelled) can still have its attendees edited.
  const valid = validateRegistration(event, merged, 'DASHBOARD', { ignoreEventState: true });
  const { ticketType } = valid;
  try {
    const { updated, promoted } = await deps.db.transaction(async (tx) => {
      const sql = prismaSql(tx);
      const seat = await lockSeatRows(sql, { eventId: event.id, ticketTypeId: ticketType.id });
      const current = await lockAttendee(sql, attendee.id);
      if (!current) throw notFound('Attendee');
      const moved = ticketType.id !== current.ticket_type_id;
      if (moved && holdsSeat(current.status)) {
        const refusal = await seatRefusal(deps, sql, {
          ...seat,
          slug: ticketType.slug,
          testMode: attendee.testMode,
          keeps: current.ticket_type_id,
          accessCodeId: attendee.accessCodeId,
        });
        if (refusal) throw refusal;
      }
      const updated = await tx.attendee.update({ where: { id: attendee.id }, data: attendeeColumns(valid) });
      const fields = changedFields(attendee, updated);
      // The names of what changed, never the values: the audit log holds no personal data.
      if (fields.length > 0) await auditChange(tx, actor, 'attendee.updated', attendee.id, { fields });
      // A seat left behind in the previous type goes to its line; someone waiting moves to the new type's line with
      // their place in time, and is seated at once if it has seats and nobody ahead of them.
      const promoted = moved ? await fillFreedSeats(deps, sql, { event, testMode: attendee.testMode }) : [];
      return { updated, promoted };
    });
    await publishChanged(deps, promoted);
    return updated;
  } catch (error) {
    if (isUniqueViolation(error, 'attendees_event_id_test_mode_email_normalized_key')) {
      throw invalidInput({ email: ['This email has already been registered for this event.'] });
    }
    throw error;
  }
}

const StatusInput = z.strictObject({
  attendeeId: z.string().trim().min(1).max(64),
  status: z.enum(MANUAL_STATUSES, {
    message: 'The status must be REGISTERED, CHECKED_IN, CANCELLED or NO_SHOW; approvals, declines and offers have their own mutations.',
  }),
});

/**
 * A status change made in the dashboard. Decided under the attendee's row lock, on its current status: of any
 * number of simultaneous identical changes exactly one happens and fires attendee.status_changed; the others
 * change nothing and fire nothing. Taking a seat (from cancelled, waitlisted, pending or declined) is counted under the
 * event's and ticket type's locks (registration's order), so a freed seat goes to exactly one taker; giving one up
 * (cancelled) hands it to the first in line in the same transaction (waitlist.ts).
 */
export async function setAttendeeStatus(deps: Deps, options: { actor: Actor; input: unknown }): Promise<Attendee> {
  const input = parseInput(StatusInput, options.input);
  const { actor, attendee } = await findAuthorizedAttendee(deps, { actor: options.actor, attendeeId: input.attendeeId, permission: 'attendees:manage' });
  // Erased is final: no status brings the person back (a seat, a ticket, a webhook naming them).
  if (attendee.erasedAt) throw invalidField('attendeeId', 'This attendee’s personal data was erased; their status cannot change.');
  const event = await loadCachedEvent(deps, attendee.eventId);
  const ticketType = event?.ticketTypes.find((t) => t.id === attendee.ticketTypeId);
  if (!event || !ticketType) throw notFound('Attendee');
  // Plain pg (no interactive-transaction timer): ten cancellations of one event at once wait for each other's locks
  // in line, each bounded by DATABASE_LOCK_TIMEOUT_MS, and every statement runs on this transaction's connection.
  const outcome = await deps.db.sqlTransaction(async (sql) => {
    const seat = await lockSeatRows(sql, { eventId: event.id, ticketTypeId: ticketType.id });
    const current = await lockAttendee(sql, attendee.id);
    if (!current) throw notFound('Attendee');
    if (current.status === input.status) return { attendee: attendeeFromRow((await attendeeRows(sql, [attendee.id]))[0]!), changed: [] };
    if (!holdsSeat(current.status) && holdsSeat(input.status)) {
      const refusal = await seatRefusal(deps, sql, {
        ...seat,
        slug: ticketType.slug,
        testMode: attendee.testMode,
        keeps: null,
        accessCodeId: attendee.accessCodeId,
      });
      if (refusal) throw refusal;
    }
    // Out of any line too (a manual status is never WAITLISTED).
    const changed = attendeeFromRow(
      (await updateAttendeeStatus(sql, {
        id: attendee.id,
        status: input.status,
        checkedInAt: input.status === 'CHECKED_IN' ? (current.checked_in_at ?? deps.clock.now()) : null,
      }))!,
    );
    await emitTrigger(deps, sql, { trigger: 'ATTENDEE_STATUS_CHANGED', attendee: changed, event, ticketType });
    await auditChanges(sql, actor, 'attendee.status_changed', [
      { subjectId: attendee.id, detail: { from: current.status.toLowerCase(), to: input.status.toLowerCase() } },
    ]);
    const promoted = holdsSeat(current.status) && !holdsSeat(input.status) ? await fillFreedSeats(deps, sql, { event, testMode: attendee.testMode }) : [];
    return { attendee: changed, changed: [changed, ...promoted] };
  });
  await publishChanged(deps, outcome.changed);
  return outcome.attendee;
}

const EDITABLE = ['firstName', 'lastName', 'email', 'phone', 'country', 'ticketTypeId', 'customData'] as const;

/** The attendee columns an edit changed, by their REST names (first_name, custom_data…). */
function changedFields(before: Attendee, after: Attendee): string[] {
  return EDITABLE.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).map((key) =>
    key === 'ticketTypeId' ? 'ticket_type_slug' : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
  );
}
