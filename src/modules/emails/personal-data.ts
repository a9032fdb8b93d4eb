import type { PersonalDataHook } from '../../lib/personal-data.ts';
import { lockEmailLogsOf, redactEmailLogs } from './emails.sql.ts';
import { removeMailboxFiles } from './emails.transport.ts';

/**
 * Emails sent to a person: exported as logged; erased by replacing the address (the attendee's erased one), dropping
 * the error, and deleting the dev-mailbox file after commit. A log's id names the person in its queued job.
 */
export const emailsPersonalData: PersonalDataHook = {
  async erase(deps, sql, subject) {
    const logs = await lockEmailLogsOf(sql, subject);
    if (logs.length === 0) return undefined;
    await redactEmailLogs(
      sql,
      logs.map((l) => ({ id: l.id, address: (l.attendee_id && subject.targets.attendees.get(l.attendee_id)) || 'erased@erased.invalid' })),
    );
    const files = logs.flatMap((l) => (l.dev_mailbox_file ? [l.dev_mailbox_file] : []));
    return {
      afterCommit: () => removeMailboxFiles(deps, files),
      references: logs.filter((l) => l.attendee_id !== null).map((l) => l.id),
    };
  },
  async export(deps, subject) {
    const emails = await deps.prisma.emailLog.findMany({
      where: {
        organisationId: subject.organisationId,
        OR: [{ attendeeId: { in: [...subject.attendeeIds] } }, { to: { equals: subject.email, mode: 'insensitive' } }],
      },
      orderBy: { createdAt: 'asc' },
    });
    return {
      emails: emails.map((e) => ({
        id: e.id,
        attendeeId: e.attendeeId,
        kind: e.kind,
        to: e.to,
        subject: e.subject,
        status: e.status,
        createdAt: e.createdAt.toISOString(),
        sentAt: e.sentAt?.toISOString() ?? null,
      })),
    };
  },
};
