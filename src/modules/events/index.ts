/** What the events feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { type CachedEvent, findCachedEvent, loadCachedEvent } from './event-cache.ts';
export { type EventStats, eventStats, readEventCounts, ticketTypeCounts } from './event-counts.ts';
export { EventStatsRef } from './event-stats.graphql.ts';
export { createEvent, findAuthorizedEvent } from './events.service.ts';
export { refreshSharedLimits } from './seats.sql.ts';
export { readSharedLimits, SeatLedger, type SeatLimit, type SeatRequest, type SeatRules } from './seats.ts';
