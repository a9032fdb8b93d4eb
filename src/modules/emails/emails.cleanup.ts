import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import { deleteEmailLogsBefore } from './emails.sql.ts';
import { removeMailboxFiles } from './emails.transport.ts';

/** Email logs (not pending) older than WEBHOOK_LOG_RETENTION_DAYS, and the dev-mailbox files they point to. */
export async function emailsCleanup(deps: Deps, now: Date): Promise<Record<string, number>> {
  const before = new Date(now.getTime() - deps.config.webhookLogRetentionDays * 24 * 3_600_000);
  const { count, files } = await deleteEmailLogsBefore(poolSql(deps), before);
  await removeMailboxFiles(deps, files);
  return { emailLogs: count };
}
