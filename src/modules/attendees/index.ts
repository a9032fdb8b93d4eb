/** What the attendees feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { AttendeeRef, AttendeeStatusEnum } from './attendees.graphql.ts';
export {
  ATTENDEE_STATUSES,
  type AttendeeWithTicketType,
  exportAttendeesCsv,
  findAuthorizedAttendee,
  getRegistration,
  listRegistrations,
  REGISTRATION_SOURCES,
} from './attendees.read.ts';
export { ATTENDEE_COLUMNS, ATTENDEE_SELECT, attendeeFromRow } from './attendees.sql.ts';
