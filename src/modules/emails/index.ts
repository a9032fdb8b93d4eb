/** What the emails feature offers the others: they import it from here only (.dependency-cruiser.cjs). */
export { EMAIL_JOB_EXPIRY_SECONDS, EMAIL_WORK } from './emails.jobs.ts';
export { type AttendeeEmailKind, enqueueAttendeeEmails, enqueueConfirmationEmails } from './emails.service.ts';
export { escapeHtml } from './emails.templates.ts';
export { removeMailboxFiles } from './emails.transport.ts';
