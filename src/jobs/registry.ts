import { accountEmailJob } from '../modules/auth/account-emails.ts';
import { confirmationEmailJob } from '../modules/emails/emails.jobs.ts';
import { importJob } from '../modules/imports/imports.jobs.ts';
import { cleanupJob } from '../modules/maintenance/maintenance.jobs.ts';
import { retentionJob } from '../modules/privacy/privacy.jobs.ts';
import type { JobDefinition } from './job.ts';

/**
 * Every job the app runs. Queues are created for all of them at start-up; workers are attached in
 * processes whose ROLE includes work (all, worker). Features add their definitions here.
 */
export const jobDefinitions: JobDefinition[] = [confirmationEmailJob, accountEmailJob, importJob, cleanupJob, retentionJob];
