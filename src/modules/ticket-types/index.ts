/** What the ticket-types feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { createTicketType, ownTicketTypeIds } from './ticket-types.service.ts';
