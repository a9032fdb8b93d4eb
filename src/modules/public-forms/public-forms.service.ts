import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { TicketType } from '../../generated/prisma/client.ts';
import { notFound } from '../../lib/errors.ts';
import { zonedIsoTime } from '../../lib/zoned-time.ts';
import { type CachedEvent, loadCachedEvent, readEventCounts, ticketTypeCounts, ticketTypeRemaining } from '../events/index.ts';
import { type Registration, register, viewAccessCode } from '../registrations/index.ts';

/**
 * What a registration form needs to render, for published (and cancelled, to say so) events only. With an access
 * code (`?access_code=`): also the hidden types it unlocks, each type's seats left for its holder, and the code's
 * uses left; a code that cannot be used answers the registration's 422 on access_code.
 */
export async function getPublicEvent(deps: Deps, options: { eventId: string; accessCode?: string | null }) {
  const event = await publicEvent(deps, options.eventId);
  const view = options.accessCode ? await viewAccessCode(deps, { eventId: event.id, text: options.accessCode }) : null;
  const codeId = view?.code.id ?? null;
  // The trigger-kept counters (live mode): seats held per type, and who waits in each line; quotas and held seats.
  const counts = (await readEventCounts(poolSql(deps), [event.id], false, deps.clock.now())).get(event.id)!;
  const left = (t: TicketType) => ticketTypeRemaining(counts, t.id, codeId);
  const typeFull = (t: TicketType) => left(t) === 0;
  // Full (or someone already waits) with the waitlist on: a registration joins the line.
  const joinsLine = (t: TicketType) => t.waitlist !== 'OFF' && (typeFull(t) || ticketTypeCounts(counts, t.id).waitlisted > 0);
  // Hidden types only for a code valid for them.
  const unlocked = (t: TicketType) => !t.hidden || (view !== null && (view.code.ticket_type_ids.length === 0 || view.code.ticket_type_ids.includes(t.id)));
  const offered = event.ticketTypes.filter((t) => unlocked(t) && (!typeFull(t) || t.waitlist !== 'OFF'));
  // The event's own capacity reached (for this caller: seats held for their code are theirs) leaves only lines to join.
  const eventFull = event.capacity !== null && event.ticketTypes.filter(unlocked).every(typeFull);
  // Times in the event's own zone, with its offset: a form shows the event's wall-clock hour and keeps the instant.
  const local = (date: Date) => zonedIsoTime(date, event.timezone);
  const now = deps.clock.nowMs();
  const closesAt = event.registrationClosesAt ?? event.endsAt;
  const open =
    event.status === 'PUBLISHED' &&
    (!eventFull || offered.some((t) => t.waitlist !== 'OFF')) &&
    (!event.registrationOpensAt || event.registrationOpensAt.getTime() <= now) &&
    closesAt.getTime() >= now;
  return {
    id: event.id,
    name: event.name,
    description: event.description,
    starts_at: local(event.startsAt),
    ends_at: local(event.endsAt),
    timezone: event.timezone,
    venue: event.venue,
    status: event.status.toLowerCase(),
    registration_open: open,
    registration_opens_at: event.registrationOpensAt ? local(event.registrationOpensAt) : null,
    registration_closes_at: local(closesAt),
    ticket_types: offered.map((t) => ({
      slug: t.slug,
      name: t.name,
      is_default: t.isDefault,
      waitlist: joinsLine(t),
      requires_approval: t.requiresApproval,
      ...(view ? { seats_left: left(t) } : {}),
    })),
    custom_fields: event.customFields.map((f) => ({
      field_key: f.key,
      field_label: f.label,
      field_type: f.type.toLowerCase(),
      required: f.required,
      options: f.options,
      show_if: f.showIfFieldKey ? { field_key: f.showIfFieldKey, values: f.showIfValues } : null,
      ticket_type_slugs: event.ticketTypes.filter((t) => f.ticketTypeIds.includes(t.id)).map((t) => t.slug),
    })),
    ...(view
      ? {
          access_code: {
            code: view.code.code,
            ticket_type_slugs: event.ticketTypes.filter((t) => view.code.ticket_type_ids.includes(t.id)).map((t) => t.slug),
            uses_left: view.usesLeft,
            valid_until: view.code.valid_until ? local(view.code.valid_until) : null,
          },
        }
      : {}),
  };
}

/** The public form: no key, live mode, `registration_source: "form"`, published events that are open. */
export async function registerFromPublicForm(deps: Deps, options: { eventId: string; input: unknown }): Promise<Registration> {
  const event = await publicEvent(deps, options.eventId);
  return await register(deps, { event, input: options.input, source: 'FORM', testMode: false });
}

async function publicEvent(deps: Deps, eventId: string): Promise<CachedEvent> {
  const event = await loadCachedEvent(deps, eventId);
  // Drafts are not public yet, and an event whose public form is off has none: indistinguishable from an unknown event.
  if (!event || event.status === 'DRAFT' || !event.publicForm) throw notFound('Event');
  return event;
}
