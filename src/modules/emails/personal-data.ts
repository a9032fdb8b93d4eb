import { poolSql } from '../../db/sql.ts';
import type { PersonalDataHook } from '../../lib/personal-data.ts';
import { lockEmailLogsOf, redactEmailLogs, referencedMailboxFiles } from './emails.sql.ts';
import { removeMailboxFiles, sweepMailbox } from './emails.transport.ts';

/**
 * Emails sent to a person: exported as logged; erased by replacing the address (the attendee's erased one), dropping
 * the error, and deleting the dev-mailbox file after commit. A log's id names the person in its queued job.
 */
export const emailsPersonalData: PersonalDataHook = {
  async erase(deps, sql, subject) {
    const logs = await lockEmailLogsOf(sql, subject);
    // Whatever the logs say, a confirmation file no log points to (a crash between writing and recording it) may be
    // this person's: swept after every erasure.
    const sweep = () => sweepMailbox(deps, (candidates) => referencedMailboxFiles(poolSql(deps), candidates)).then(() => undefined);
    if (logs.length === 0) return { afterCommit: sweep };
    await redactEmailLogs(
      sql,
      logs.map((l) => ({ id: l.id, address: (l.attendee_id && subject.targets.attendees.get(l.attendee_id)) || 'erased@erased.invalid' })),
    );
    const files = logs.flatMap((l) => (l.dev_mailbox_file ? [l.dev_mailbox_file] : []));
    return {
      afterCommit: async () => {
        await removeMailboxFiles(deps, files);
        await sweep();
      },
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
