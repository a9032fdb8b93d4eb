import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { defineJob } from './job.ts';

/** Deletes what a feature keeps no longer than its retention; answers how many rows of each kind went. */
export type CleanupHook = (deps: Deps, now: Date) => Promise<Record<string, number>>;

/**
 * Hourly housekeeping (pg-boss cron, run by one worker whatever the number of processes): every feature's cleanup
 * hook in turn (expired sessions and tokens, webhook logs and email logs past WEBHOOK_LOG_RETENTION_DAYS, audit
 * entries past AUDIT_LOG_RETENTION_DAYS…), so no table grows without bound and no copy of personal data outlives
 * its retention. The kernel knows no table: each hook is its feature's.
 */
export function cleanupJob(parts: ReadonlyArray<{ name: string; cleanup?: CleanupHook | undefined }>) {
  const hooks = parts.flatMap((part) => (part.cleanup ? [{ name: part.name, cleanup: part.cleanup }] : []));
  return defineJob({
    name: 'maintenance.cleanup',
    payload: z.object({}).passthrough(),
    cron: '17 * * * *',
    handler: async (deps) => {
      // The database's time: a process whose clock runs ahead must not cut off what still has minutes to live.
      const now = deps.clock.now();
      const deleted: Record<string, number> = {};
      for (const hook of hooks) Object.assign(deleted, await hook.cleanup(deps, now));
      deps.logger.info(deleted, 'expired rows deleted');
    },
  });
}
