import { builder } from '../../graphql/builder.ts';
import { isTestMode } from '../../lib/actor.ts';
import { AttendeeRef } from '../attendees/index.ts';
import { credentialBoundChannel, liveValue } from '../auth/index.ts';
import type { EventStats } from '../events/index.ts';
import { EventStatsRef, findAuthorizedEvent } from '../events/index.ts';
import type { LiveAttendee, LiveUpdate } from './live-feed.ts';

const CheckInEventRef = builder.objectRef<{ attendee: LiveAttendee; stats: EventStats }>('CheckInEvent').implement({
  fields: (t) => ({
    attendee: t.field({ type: AttendeeRef, resolve: (e) => e.attendee }),
    checkedInAt: t.field({ type: 'DateTime', resolve: (e) => e.attendee.checkedInAt ?? new Date() }),
    stats: t.field({ type: EventStatsRef, resolve: (e) => e.stats }),
  }),
});

/**
 * Subscriptions authorise first (an unauthenticated or foreign subscriber gets an error, never data), then
 * stream the event's live updates in the caller's mode (graphql-ws on /graphql, or SSE with Accept:
 * text/event-stream) until the subscriber leaves or its credential stops being valid.
 */
builder.subscriptionFields((t) => ({
  checkIns: t.field({
    type: CheckInEventRef,
    args: { eventId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const { actor, event } = await findAuthorizedEvent(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), permission: 'attendees:read' });
      return credentialBoundChannel<LiveUpdate>(ctx, actor, (push) =>
        ctx.deps.live.subscribe(event.id, { testMode: isTestMode(actor) }, (update) => update.kind === 'checked_in' && push(update)),
      );
    },
    resolve: (update) => liveValue(update),
  }),
  attendeeRegistered: t.field({
    type: AttendeeRef,
    args: { eventId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const { actor, event } = await findAuthorizedEvent(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), permission: 'attendees:read' });
      return credentialBoundChannel<LiveAttendee>(ctx, actor, (push) =>
        ctx.deps.live.subscribe(event.id, { testMode: isTestMode(actor) }, (update) => update.kind === 'registered' && push(update.attendee)),
      );
    },
    resolve: (attendee) => liveValue(attendee),
  }),
  eventStats: t.field({
    type: EventStatsRef,
    description: 'The current counts at once, then after every change.',
    args: { eventId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      const { actor, event } = await findAuthorizedEvent(ctx.deps, { actor: ctx.actor, eventId: String(args.eventId), permission: 'attendees:read' });
      const mode = { testMode: isTestMode(actor) };
      // Subscribed before the initial read, so no change falls between the two; updates that arrive during the
      // read follow it.
      let early: EventStats[] | null = [];
      const channel = credentialBoundChannel<EventStats>(ctx, actor, (push) =>
        ctx.deps.live.subscribe(event.id, mode, (update) => (early ? early.push(update.stats) : push(update.stats))),
      );
      try {
        channel.push(await ctx.deps.live.stats(event.id, mode));
      } catch (error) {
        // Not returned, so nobody would ever end it: end it here (its listener and its slot go with it).
        await channel.return();
        throw error;
      }
      for (const stats of early) channel.push(stats);
      early = null;
      return channel;
    },
    resolve: (stats) => liveValue(stats),
  }),
}));
