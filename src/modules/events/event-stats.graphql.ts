import type { GraphQLResolveInfo } from 'graphql';
import { poolSql } from '../../db/sql.ts';
import { builder } from '../../graphql/builder.ts';
import type { GraphQLContext } from '../../graphql/context.ts';
import { requestLoader } from '../../graphql/loaders.ts';
import { isTestMode, requireActor } from '../../lib/actor.ts';
import {
  type EventCounts,
  type EventStats,
  eventStats,
  readEventCounts,
  registrationsOverTime,
  type TimeBucket,
  ticketTypeCounts,
  ticketTypeRemaining,
} from './event-counts.ts';

export const EventStatsRef = builder.objectRef<EventStats>('EventStats').implement({
  description:
    'Counts in the caller’s mode (test keys: test attendees; dashboards: live), kept by the database as attendees change. ' +
    '`registered` is everyone holding a seat (checked in, no-show and seats held for an offer included; cancelled, ' +
    'waitlisted, pending and declined not).',
  fields: (t) => ({
    registered: t.exposeInt('registered'),
    checkedIn: t.exposeInt('checkedIn'),
    cancelled: t.exposeInt('cancelled'),
    noShow: t.exposeInt('noShow'),
    waitlisted: t.exposeInt('waitlisted', { description: 'In line for a seat (not yet offered one).' }),
    offered: t.exposeInt('offered', { description: 'Offered a seat held for them until their offer expires (part of `registered`).' }),
    pendingApproval: t.exposeInt('pendingApproval', { description: 'Awaiting the organiser’s approval; they hold no seat.' }),
    declined: t.exposeInt('declined'),
    capacityRemaining: t.exposeInt('capacityRemaining', {
      nullable: true,
      description: 'Seats still open (the event’s capacity, and the ticket types’ when every type is limited); null: unlimited.',
    }),
  }),
});

const TimeBucketSizeEnum = builder.enumType('TimeBucketSize', { values: ['HOUR', 'DAY'] as const });

const TimeBucketRef = builder.objectRef<TimeBucket>('TimeBucket').implement({
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'The bucket’s first instant (hours and days of the event’s time zone).' }),
    count: t.exposeInt('count'),
  }),
});

/** The counts of every event a request asks about, read together (one statement for a page of events). */
/** The event's counts in the caller's mode, read once per request for every event asked about. */
export function eventCountsOf(ctx: GraphQLContext, info: GraphQLResolveInfo, eventId: string): Promise<EventCounts> {
  const testMode = isTestMode(requireActor(ctx.actor));
  return requestLoader<string, EventCounts>(ctx, info, `event-counts:${testMode}`, async (ids) => {
    const counts = await readEventCounts(poolSql(ctx.deps), [...new Set(ids)], testMode, ctx.deps.clock.now());
    return ids.map((id) => counts.get(id)!);
  }).load(eventId);
}

builder.prismaObjectFields('Event', (t) => ({
  stats: t.field({
    type: EventStatsRef,
    resolve: async (event, _args, ctx, info) => eventStats(await eventCountsOf(ctx, info, event.id)),
  }),
  registrationsOverTime: t.field({
    type: [TimeBucketRef],
    description: 'Registrations made per bucket in [from, to) (default: the 30 days up to now), cancelled ones included; at most 1,000 buckets.',
    args: {
      bucket: t.arg({ type: TimeBucketSizeEnum, required: true }),
      from: t.arg({ type: 'DateTime' }),
      to: t.arg({ type: 'DateTime' }),
    },
    select: { timezone: true },
    resolve: (event, args, ctx) => registrationsOverTime(poolSql(ctx.deps), event, { testMode: isTestMode(requireActor(ctx.actor)), input: args }),
  }),
}));

builder.prismaObjectFields('TicketType', (t) => ({
  registeredCount: t.int({
    description: 'Attendees holding a seat of this type (offers included; not cancelled, waitlisted or pending), in the caller’s mode.',
    select: { eventId: true },
    resolve: async (ticketType, _args, ctx, info) => ticketTypeCounts(await eventCountsOf(ctx, info, ticketType.eventId), ticketType.id).registered,
  }),
  remaining: t.int({
    nullable: true,
    description: 'Seats of this type still open: its capacity and the event’s, whichever is tighter; null when neither is limited.',
    select: { eventId: true },
    resolve: async (ticketType, _args, ctx, info) => ticketTypeRemaining(await eventCountsOf(ctx, info, ticketType.eventId), ticketType.id),
  }),
  waitlistedCount: t.int({
    description: 'Attendees in this type’s line, in the caller’s mode.',
    select: { eventId: true },
    resolve: async (ticketType, _args, ctx, info) => ticketTypeCounts(await eventCountsOf(ctx, info, ticketType.eventId), ticketType.id).waitlisted,
  }),
  pendingApprovalCount: t.int({
    description: 'Requests for this type awaiting approval, in the caller’s mode.',
    select: { eventId: true },
    resolve: async (ticketType, _args, ctx, info) => ticketTypeCounts(await eventCountsOf(ctx, info, ticketType.eventId), ticketType.id).pendingApproval,
  }),
  stats: t.field({
    type: EventStatsRef,
    description: 'This type’s counts (registered, checked in, cancelled, no-show) in the caller’s mode; capacityRemaining is `remaining`.',
    select: { eventId: true },
    resolve: async (ticketType, _args, ctx, info) => {
      const counts = await eventCountsOf(ctx, info, ticketType.eventId);
      return { ...ticketTypeCounts(counts, ticketType.id), capacityRemaining: ticketTypeRemaining(counts, ticketType.id) };
    },
  }),
}));
