import { builder } from '../../graphql/builder.ts';
import { AttendeeRef } from '../attendees/attendees.graphql.ts';
import { isTestMode } from '../auth/actor.ts';
import { findAuthorizedEvent } from '../events/events.service.ts';
import type { EventStats, LiveAttendee } from './live-feed.ts';

const EventStatsRef = builder.objectRef<EventStats>('EventStats').implement({
  description: 'Counts in the caller’s mode (test keys: test attendees): registered (everyone not cancelled, checked in included) and checked in.',
  fields: (t) => ({ registered: t.exposeInt('registered'), checkedIn: t.exposeInt('checkedIn') }),
});

const CheckInEventRef = builder.objectRef<{ attendee: LiveAttendee; stats: EventStats }>('CheckInEvent').implement({
  fields: (t) => ({
    attendee: t.field({ type: AttendeeRef, resolve: (e) => e.attendee }),
    checkedInAt: t.field({ type: 'DateTime', resolve: (e) => e.attendee.checkedInAt ?? new Date() }),
    stats: t.field({ type: EventStatsRef, resolve: (e) => e.stats }),
  }),
});

/**
 * Subscriptions authorise first (an unauthenticated or foreign subscriber gets an error, never data), then
 * stream the event's live updates (graphql-ws on /graphql, or SSE with Accept: text/event-stream).
 */
builder.subscriptionFields((t) => ({
  checkIns: t.field({
    type: CheckInEventRef,
    args: { eventId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const { actor, event } = await findAuthorizedEvent(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), permission: 'attendees:read' });
      return filter(ctx.deps.live.subscribe(event.id, { testMode: isTestMode(actor) }), (u) => u.kind === 'checked_in');
    },
    resolve: (update) => update,
  }),
  attendeeRegistered: t.field({
    type: AttendeeRef,
    args: { eventId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const { actor, event } = await findAuthorizedEvent(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), permission: 'attendees:read' });
      return filter(ctx.deps.live.subscribe(event.id, { testMode: isTestMode(actor) }), (u) => u.kind === 'registered');
    },
    resolve: (update) => update.attendee,
  }),
  eventStats: t.field({
    type: EventStatsRef,
    description: 'The current counts at once, then after every change.',
    args: { eventId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const { actor, event } = await findAuthorizedEvent(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), permission: 'attendees:read' });
      const mode = { testMode: isTestMode(actor) };
      const updates = ctx.deps.live.subscribe(event.id, mode);
      const initial = await ctx.deps.live.stats(event.id, mode);
      return (async function* () {
        yield initial;
        for await (const update of updates) yield update.stats;
      })();
    },
    resolve: (stats) => stats,
  }),
}));

async function* filter<T>(source: AsyncGenerator<T>, keep: (value: T) => boolean): AsyncGenerator<T> {
  try {
    for await (const value of source) if (keep(value)) yield value;
  } finally {
    await source.return(undefined);
  }
}
