/** What the live feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export type { LiveAttendee } from './live-feed.ts';
