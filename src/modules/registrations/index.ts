/** What the registrations feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { presentAttendee, restTime } from './registrations.present.ts';
export { AttendeeResponse, RegistrationInput } from './registrations.schemas.ts';
export { prepareRegistration, type Registration, register, validateRegistration } from './registrations.service.ts';
export { inRegistrationTransaction, insertRegistrations, type PendingRegistration, viewAccessCode } from './registrations.write.ts';
