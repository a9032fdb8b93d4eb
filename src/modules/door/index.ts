/** What the door feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { ScanDirectionEnum, ZoneMovementEnum, ZoneRef } from './door.graphql.ts';
export { decideAtDoor, isUuid, type Movement, type ZoneName } from './door.service.ts';
export { looksSigned, ticketSigner, verifyTicketCode } from './ticket-codes.ts';
