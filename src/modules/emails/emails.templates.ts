import type { Attendee, Event, TicketType } from '../../generated/prisma/client.ts';

/** HTML-escapes text that came from users (names, event details). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * When the event happens, in its own time zone: "Monday, 1 March 2027, 09:00–17:00 GMT", or both dates in
 * full when it spans days.
 */
export function formatEventWindow(start: Date, end: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'full' });
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, timeStyle: 'short' });
  if (day.format(start) === day.format(end)) {
    return `${day.format(start)}, ${time.format(start)}–${time.format(end)} ${zoneName(end, timeZone)}`;
  }
  return `${day.format(start)}, ${time.format(start)} ${zoneName(start, timeZone)} – ${day.format(end)}, ${time.format(end)} ${zoneName(end, timeZone)}`;
}

function zoneName(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

export interface ConfirmationContent {
  subject: string;
  html: string;
  text: string;
}

export interface ConfirmationInput {
  event: Pick<Event, 'id' | 'name' | 'startsAt' | 'endsAt' | 'timezone' | 'venue'>;
  attendee: Pick<Attendee, 'firstName' | 'lastName'>;
  ticketType: Pick<TicketType, 'name'>;
  qrCodeUrl: string;
  /** The cid of the inline QR image. */
  qrCid: string;
}

/** The confirmation email: the event, when (in its time zone), where, who, which ticket, and the QR code. */
export function confirmationEmail(input: ConfirmationInput): ConfirmationContent {
  const { event, attendee, ticketType } = input;
  const name = `${attendee.firstName} ${attendee.lastName}`;
  const when = formatEventWindow(event.startsAt, event.endsAt, event.timezone);
  const e = escapeHtml;
  const venueRow = event.venue ? `<tr><th align="left">Where</th><td>${e(event.venue)}</td></tr>` : '';
  const html = `<!doctype html>
<html lang="en">
<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1f2933;">
  <h1 style="font-size: 20px;">You're registered for ${e(event.name)}</h1>
  <p>Hi ${e(name)},</p>
  <p>Your place is confirmed. Show this QR code at the door to check in.</p>
  <table cellpadding="4">
    <tr><th align="left">Event</th><td>${e(event.name)}</td></tr>
    <tr><th align="left">When</th><td>${e(when)}</td></tr>
    ${venueRow}
    <tr><th align="left">Ticket</th><td>${e(ticketType.name)}</td></tr>
    <tr><th align="left">Attendee</th><td>${e(name)}</td></tr>
  </table>
  <p><img src="cid:${input.qrCid}" alt="Your check-in QR code" width="240" height="240"></p>
  <p>Can't see the image? <a href="${e(input.qrCodeUrl)}">Open your QR code</a>.</p>
  <p style="color: #616e7c; font-size: 12px;">The attached calendar file adds the event to your calendar.</p>
</body>
</html>
`;
  const text = [
    `You're registered for ${event.name}`,
    '',
    `Hi ${name},`,
    '',
    'Your place is confirmed. Show your QR code at the door to check in.',
    '',
    `Event:    ${event.name}`,
    `When:     ${when}`,
    ...(event.venue ? [`Where:    ${event.venue}`] : []),
    `Ticket:   ${ticketType.name}`,
    `Attendee: ${name}`,
    '',
    `Your QR code: ${input.qrCodeUrl}`,
    '',
  ].join('\n');
  return { subject: `Your registration for ${event.name}`, html, text };
}

/** RFC 5545 TEXT escaping; any line break (CRLF, LF or a lone CR) becomes an escaped newline, never a raw one. */
export function icsText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

function icsTime(date: Date): string {
  return `${date.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
}

/** Lines longer than 75 octets are folded (CRLF + space), as RFC 5545 §3.1 requires. */
function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  for (const char of line) {
    if (Buffer.byteLength(current + char, 'utf8') > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
    }
    current += char;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** A one-event iCalendar file, times in UTC. */
export function eventCalendar(input: { uid: string; event: ConfirmationInput['event']; url: string; now?: Date }): string {
  const { event } = input;
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//EventoGate//Registration//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${input.uid}`,
    `DTSTAMP:${icsTime(input.now ?? new Date())}`,
    `DTSTART:${icsTime(event.startsAt)}`,
    `DTEND:${icsTime(event.endsAt)}`,
    `SUMMARY:${icsText(event.name)}`,
    ...(event.venue ? [`LOCATION:${icsText(event.venue)}`] : []),
    `URL:${input.url}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
