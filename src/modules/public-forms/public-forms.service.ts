import type { Deps } from '../../deps.ts';
import { notFound } from '../../lib/errors.ts';
import { type CachedEvent, loadCachedEvent } from '../events/index.ts';
import { type Registration, register, restTime } from '../registrations/index.ts';

/** What a registration form needs to render, for published (and cancelled, to say so) events only. */
export async function getPublicEvent(deps: Deps, options: { eventId: string }) {
  const event = await publicEvent(deps, options.eventId);
  const taken = await deps.prisma.attendee.groupBy({
    by: ['ticketTypeId'],
    where: { eventId: event.id, testMode: false, status: { not: 'CANCELLED' } },
    _count: { _all: true },
  });
  const takenByType = new Map(taken.map((t) => [t.ticketTypeId, t._count._all]));
  const takenTotal = taken.reduce((sum, t) => sum + t._count._all, 0);
  const eventFull = event.capacity !== null && takenTotal >= event.capacity;
  const now = deps.clock.nowMs();
  const closesAt = event.registrationClosesAt ?? event.endsAt;
  const open =
    event.status === 'PUBLISHED' && !eventFull && (!event.registrationOpensAt || event.registrationOpensAt.getTime() <= now) && closesAt.getTime() >= now;
  return {
    id: event.id,
    name: event.name,
    description: event.description,
    starts_at: restTime(event.startsAt),
    ends_at: restTime(event.endsAt),
    timezone: event.timezone,
    venue: event.venue,
    status: event.status.toLowerCase(),
    registration_open: open,
    registration_opens_at: event.registrationOpensAt ? restTime(event.registrationOpensAt) : null,
    registration_closes_at: restTime(closesAt),
    ticket_types: event.ticketTypes
      .filter((t) => t.capacity === null || (takenByType.get(t.id) ?? 0) < t.capacity)
      .map((t) => ({ slug: t.slug, name: t.name, is_default: t.isDefault })),
    custom_fields: event.customFields.map((f) => ({
      field_key: f.key,
      field_label: f.label,
      field_type: f.type.toLowerCase(),
      required: f.required,
      options: f.options,
    })),
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
