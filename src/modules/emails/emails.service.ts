import { z } from 'zod';
import { poolSql, type Sql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, EmailLog, Event, Prisma, TicketType } from '../../generated/prisma/client.ts';
import { defineQueue } from '../../jobs/job.ts';
import type { Actor } from '../../lib/actor.ts';
import { invalidCursor } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { COUNT_CAP } from '../../lib/pagination.ts';
import { parseInput } from '../../lib/validation.ts';
import { offerClaimUrl, waitlistPositions } from '../attendees/index.ts';
import { findAuthorizedEvent } from '../events/index.ts';
import { qrCodeUrl, qrPng, ticketContent } from '../qr/index.ts';
import { insertPendingEmailLogs } from './emails.sql.ts';
import { confirmationEmail, eventCalendar, type NoticeKind, noticeEmail } from './emails.templates.ts';
import { removeMailboxFiles } from './emails.transport.ts';

export const CONFIRMATION = 'confirmation';

/** What an email to an attendee is: their ticket (confirmation), or a notice about a seat they do not hold yet. */
export type AttendeeEmailKind = typeof CONFIRMATION | NoticeKind;

/** The subject each kind's log is listed with (the message's own subject may say more, e.g. an offer's deadline). */
const LOG_SUBJECT: Record<AttendeeEmailKind, (eventName: string) => string> = {
  confirmation: (name) => `Your registration for ${name}`,
  waitlisted: (name) => `You're on the waitlist for ${name}`,
  pending_approval: (name) => `We received your request for ${name}`,
  declined: (name) => `Your request for ${name} was declined`,
  waitlist_offer: (name) => `A seat is free for ${name}`,
};

/**
 * The attendee emails' queue: one job per email log (the job, with its retry policy, is emails.jobs.ts). `reason`:
 * a decline's reason, which is not stored anywhere else.
 */
export const confirmationEmailQueue = defineQueue({
  name: 'emails.confirmation',
  payload: z.object({ emailLogId: z.string(), reason: z.string().max(2000).optional() }),
});

/**
 * Inside the registration's transaction: the email log rows (PENDING) and a job per email that sends it,
 * so a committed registration always gets its email and a rolled-back one never does.
 */
export async function enqueueConfirmationEmails(
  deps: Deps,
  sql: Sql,
  registrations: Array<{ attendee: Attendee; event: Pick<Event, 'id' | 'name' | 'organisationId'> }>,
): Promise<void> {
  await enqueueAttendeeEmails(deps, sql, CONFIRMATION, registrations);
}

/** As enqueueConfirmationEmails, for any kind of attendee email (in the transaction that decided it). */
export async function enqueueAttendeeEmails(
  deps: Deps,
  sql: Sql,
  kind: AttendeeEmailKind,
  emails: Array<{ attendee: Attendee; event: Pick<Event, 'id' | 'name' | 'organisationId'>; reason?: string | null }>,
): Promise<void> {
  if (emails.length === 0) return;
  const ids = emails.map(() => newId('emailLog'));
  await insertPendingEmailLogs(
    sql,
    kind,
    emails.map((r, i) => ({
      id: ids[i]!,
      organisationId: r.event.organisationId,
      eventId: r.event.id,
      attendeeId: r.attendee.id,
      to: r.attendee.email,
      subject: LOG_SUBJECT[kind](r.event.name),
    })),
  );
  await deps.jobs.sendMany(
    sql,
    confirmationEmailQueue,
    ids.map((emailLogId, i) => ({ emailLogId, ...(emails[i]!.reason ? { reason: emails[i]!.reason! } : {}) })),
  );
}

/** Why a notice is no longer worth sending when its job runs (the attendee moved on), or null to send it. */
function supersededNotice(kind: string, attendee: Attendee): string | null {
  if (kind === 'waitlisted' && attendee.status !== 'WAITLISTED') return 'Not sent: the attendee is no longer on the waitlist.';
  if (kind === 'waitlist_offer' && attendee.status !== 'OFFERED') return 'Not sent: the offer was claimed or has expired.';
  if (kind === 'pending_approval' && attendee.status !== 'PENDING_APPROVAL') return 'Not sent: the request was already decided.';
  return null;
}

/**
 * Sends one confirmation (idempotent: a log already SENT is not sent again) and records the outcome.
 * Throws on failure so the job is retried; the last failure marks the log FAILED.
 */
export async function sendConfirmationEmail(
  deps: Deps,
  options: { emailLogId: string; lastAttempt: boolean; signal?: AbortSignal; reason?: string | undefined },
): Promise<void> {
  const log = await deps.prisma.emailLog.findUnique({
    where: { id: options.emailLogId },
    include: { attendee: { include: { ticketType: true, event: true } } },
  });
  // Sent, or no longer wanted: the attendee was deleted or erased (erasure marks a pending email FAILED).
  if (log?.status !== 'PENDING' || !log.attendee || log.attendee.erasedAt) return;
  const { attendee } = log;
  const superseded = supersededNotice(log.kind, attendee);
  if (superseded) {
    await deps.prisma.emailLog.updateMany({ where: { id: log.id, status: 'PENDING' }, data: { status: 'FAILED', error: superseded } });
    return;
  }
  try {
    const message =
      log.kind === CONFIRMATION
        ? await buildConfirmation(deps, attendee, attendee.event, attendee.ticketType)
        : await buildNotice(deps, log.kind as NoticeKind, attendee, options.reason);
    const sent = await deps.mailer.send({ ...message, to: log.to, from: deps.config.mailFrom }, { signal: options.signal, kind: log.kind });
    deps.metrics.emails.inc({ outcome: 'sent' });
    // Only if still pending: an erasure that ran while this was sending keeps no copy (the mailbox file goes too),
    // and neither does a send whose outcome could not be recorded (it is retried and writes another).
    const recorded = await deps.prisma.emailLog
      .updateMany({
        where: { id: log.id, status: 'PENDING' },
        data: {
          status: 'SENT',
          attempts: { increment: 1 },
          providerMessageId: sent.messageId,
          devMailboxFile: sent.devMailboxFile,
          sentAt: deps.clock.now(),
          error: null,
        },
      })
      .catch(async (error: unknown) => {
        if (sent.devMailboxFile) await removeMailboxFiles(deps, [sent.devMailboxFile]);
        throw error;
      });
    if (recorded.count === 0 && sent.devMailboxFile) await removeMailboxFiles(deps, [sent.devMailboxFile]);
  } catch (error) {
    // A 5xx reply (550 no such mailbox, 553 address rejected…) will be the same on every retry: FAILED now.
    const final = options.lastAttempt || isPermanentSmtpFailure(error);
    deps.metrics.emails.inc({ outcome: final ? 'failed' : 'retry' });
    await deps.prisma.emailLog.updateMany({
      where: { id: log.id, status: 'PENDING' },
      data: { status: final ? 'FAILED' : 'PENDING', attempts: { increment: 1 }, error: (error as Error).message.slice(0, 1000) },
    });
    if (final) return;
    throw error;
  }
}

/**
 * SMTP's permanent negative replies (5yz, RFC 5321 §4.2.1) as nodemailer reports them (`responseCode`): the server
 * refused this message or recipient for good. 4yz (mailbox busy, try later) and connection errors are retried.
 */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

async function buildConfirmation(deps: Deps, attendee: Attendee, event: Event, ticketType: TicketType) {
  const qrCid = `qr-${attendee.id}@eventogate`;
  const url = qrCodeUrl(deps, attendee);
  const content = confirmationEmail({ event, attendee, ticketType, qrCodeUrl: url, qrCid });
  const png = qrPng(ticketContent(attendee));
  return {
    ...content,
    attachments: [
      { filename: 'qr-code.png', content: png, contentType: 'image/png', cid: qrCid },
      {
        filename: 'event.ics',
        content: eventCalendar({ uid: `${attendee.id}@eventogate`, event, url }),
        contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
      },
    ],
  };
}

async function buildNotice(deps: Deps, kind: NoticeKind, attendee: Attendee & { event: Event; ticketType: TicketType }, reason: string | undefined) {
  const position = kind === 'waitlisted' ? ((await waitlistPositions(poolSql(deps), [attendee.id])).get(attendee.id) ?? null) : null;
  const offer = attendee.offerExpiresAt ? { ...attendee, offerExpiresAt: attendee.offerExpiresAt } : null;
  return noticeEmail({
    kind,
    event: attendee.event,
    attendee,
    ticketType: attendee.ticketType,
    position,
    reason: reason ?? null,
    ...(kind === 'waitlist_offer' && offer ? { claimUrl: offerClaimUrl(deps, offer), offerExpiresAt: offer.offerExpiresAt } : {}),
  });
}

const EmailLogFilters = z.object({ status: z.enum(['PENDING', 'SENT', 'FAILED']).nullish() });

function emailLogWhere(eventId: string, filters: unknown): Prisma.EmailLogWhereInput {
  const { status } = parseInput(EmailLogFilters, filters ?? {});
  return { eventId, ...(status ? { status } : {}) };
}

/** One page of the event's emails, newest first, optionally by status. OWNER/ADMIN. */
export async function listEmailLogs(
  deps: Deps,
  options: { actor: Actor; eventId: string; filters?: unknown; query?: Omit<Prisma.EmailLogFindManyArgs, 'where' | 'orderBy'> },
): Promise<EmailLog[]> {
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'events:write' });
  const after = (options.query as { cursor?: { id?: string } } | undefined)?.cursor?.id;
  if (after && (await deps.prisma.emailLog.count({ where: { id: after, eventId: event.id } })) === 0) throw invalidCursor();
  return await deps.prisma.emailLog.findMany({
    ...options.query,
    where: emailLogWhere(event.id, options.filters),
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

/** How many emails match, counted up to COUNT_CAP (an event sends one per attendee and more). */
export async function countEmailLogs(deps: Deps, options: { actor: Actor; eventId: string; filters?: unknown }): Promise<number> {
  const { event } = await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'events:write' });
  return await deps.prisma.emailLog.count({ where: emailLogWhere(event.id, options.filters), take: COUNT_CAP });
}
