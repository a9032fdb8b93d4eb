import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { deleteEmailLogsBefore, referencedMailboxFiles } from './emails.sql.ts';
import { removeMailboxFiles, sweepMailbox } from './emails.transport.ts';

/**
 * Email logs (not pending) older than WEBHOOK_LOG_RETENTION_DAYS, the dev-mailbox files they point to, and mailbox
 * files no log points to (sweepMailbox).
 */
export async function emailsCleanup(deps: Deps, now: Date): Promise<Record<string, number>> {
  const before = new Date(now.getTime() - deps.config.webhookLogRetentionDays * 24 * 3_600_000);
  const { count, files } = await deleteEmailLogsBefore(poolSql(deps), before);
  await removeMailboxFiles(deps, files);
  const mailboxOrphans = await sweepMailbox(deps, (candidates) => referencedMailboxFiles(poolSql(deps), candidates));
  return { emailLogs: count, mailboxOrphans };
}
