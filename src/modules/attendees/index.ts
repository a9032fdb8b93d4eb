/** What the attendees feature offers the others: they import it from here only (.dependency-cruiser.cjs). */

export {
  ATTENDEE_STATUSES,
  HAS_TICKET,
  hasTicket,
  holdsSeat,
  MANUAL_STATUSES,
  SEAT_HOLDING,
  SEAT_HOLDING_SQL,
  showsTicketCode,
} from '../../lib/attendee-statuses.ts';
export { AttendeeRef, AttendeeStatusEnum } from './attendees.graphql.ts';
export {
  type AttendeeWithTicketType,
  exportAttendeesCsv,
  findAuthorizedAttendee,
  getRegistration,
  listRegistrations,
  REGISTRATION_SOURCES,
} from './attendees.read.ts';
export { ATTENDEE_COLUMNS, ATTENDEE_SELECT, attendeeFromRow, waitlistPositions } from './attendees.sql.ts';
export { csvResponse } from './attendees-download.ts';
export { isOfferToken, offerClaimUrl, offerToken, offerTokenAttendeeId } from './offer-token.ts';
