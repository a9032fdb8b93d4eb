import { defineJob } from '../../jobs/job.ts';
import { importQueue, runImport } from './imports.service.ts';

/** Runs (or, after a crash, resumes) one import; progress is saved batch by batch. */
export const importJob = defineJob({
  ...importQueue,
  queue: { retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 3_600, heartbeatSeconds: 30 },
  handler: async (deps, payload, job) => {
    await runImport(deps, { importJobId: payload.importJobId, lastAttempt: job.retryCount >= 5 });
  },
});
