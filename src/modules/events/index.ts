/** What the events feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { type CachedEvent, findCachedEvent, loadCachedEvent } from './event-cache.ts';
export { type EventCounts, type EventStats, eventStats, quotaCounts, readEventCounts, ticketTypeCounts, ticketTypeRemaining } from './event-counts.ts';
export { EventStatsRef, eventCountsOf } from './event-stats.graphql.ts';
export { createEvent, findAuthorizedEvent } from './events.service.ts';
export { lockEventRow, refreshSharedLimits } from './seats.sql.ts';
export { readSharedLimits, SeatLedger, type SeatLimit, type SeatRequest, type SeatRules } from './seats.ts';
