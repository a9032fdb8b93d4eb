import { type JobResult, PgBoss } from 'pg-boss';
import { isDatabaseUnavailable } from '../db/availability.ts';
import { type SessionSettings, settingsOnConnect } from '../db/pool.ts';
import type { Deps } from '../deps.ts';
import type { Logger } from '../lib/logger.ts';
import { inSpan } from '../lib/tracing.ts';
import type { JobDefinition } from './job.ts';

/**
 * pg-boss in its own `pgboss` schema of our database. Workers are woken right after a commit by JobQueue
 * (src/jobs/queue.ts), not by pg-boss's transactional NOTIFY; polling every second is the backstop.
 */
export async function startBoss(options: {
  databaseUrl: string;
  max: number;
  logger: Logger;
  supervise: boolean;
  settings: SessionSettings;
  /** The process is shutting down: connections ending now are expected, not errors. */
  isStopping: () => boolean;
}): Promise<PgBoss> {
  const onConnect = settingsOnConnect(options.settings);
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: 'pgboss',
    application_name: 'eventogate-jobs',
    max: options.max,
    supervise: options.supervise,
    schedule: options.supervise,
    // How soon jobs of a crashed worker (missed heartbeats, expired) are failed and retried.
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
    // pg-boss hands its options to pg's Pool as they are: its connections get the same timeouts as ours (the SET
    // runs before a connection is handed out, like createPool's).
    ...(onConnect ? ({ onConnect } as object) : {}),
  });
  boss.on('error', (error) => {
    if (options.isStopping() && isDatabaseUnavailable(error)) return options.logger.debug({ err: error }, 'job runner connection closed while stopping');
    options.logger.error({ err: error }, 'job runner error');
  });
  boss.on('warning', (warning) => options.logger.warn({ warning }, 'job runner warning'));
  await boss.start();
  return boss;
}

/** pg-boss keeps finished jobs (and their payloads) 7 days by default. */
const PG_BOSS_DEFAULT_RETENTION_SECONDS = 7 * 86_400;

/**
 * Creates the queues, and with `schedule` their cron schedules. Finished jobs are deleted after `retentionDays` at most
 * (the webhook and email log retention), so a job's payload never outlives the logs of what it did; set on existing
 * queues too. Schedules are written by the processes that run them (supervise): parsing a cron expression loads
 * luxon's locale data (~5 MB of ICU pages) into a process that has no use for it otherwise.
 */
export async function createQueues(boss: PgBoss, definitions: readonly JobDefinition[], options: { retentionDays: number; schedule: boolean }): Promise<void> {
  const deleteAfterSeconds = Math.min(PG_BOSS_DEFAULT_RETENTION_SECONDS, options.retentionDays * 86_400);
  for (const definition of definitions) {
    await boss.createQueue(definition.name, { deleteAfterSeconds, ...definition.queue });
    await boss.updateQueue(definition.name, { deleteAfterSeconds });
    if (definition.cron && options.schedule) await boss.schedule(definition.name, definition.cron, {});
  }
}

/**
 * Attaches `work.workers` workers (1 by default) per job. Jobs are fetched in batches (bursting while batches come
 * back full) and settled one by one, so one failing job is retried alone. Payloads are re-validated: a malformed job fails loudly.
 */
export async function startWorkers(deps: Deps, definitions: readonly JobDefinition[]): Promise<void> {
  for (const definition of definitions) {
    // `workers` of their own rather than pg-boss's localConcurrency, whose wake-up (notifyWorker) reaches only the
    // first: a job sent while that one is busy (a stalled SMTP send) would wait for the others' next poll.
    const { workers = 1, ...work } = definition.work ?? {};
    for (let i = 0; i < workers; i++) {
      const workerId = await deps.boss.work(
        definition.name,
        {
          batchSize: 10,
          burstWhenBatchFull: true,
          // Workers are woken when jobs are sent; polling is the backstop (retries coming due, a missed wake-up). The
          // first worker of a queue polls every second, the others every ten: four idle workers must not quadruple the
          // fetch queries every process sends.
          pollingIntervalSeconds: i === 0 ? 1 : 10,
          includeMetadata: true,
          perJobResults: true,
          ...work,
        },
        async (jobs) =>
          await Promise.all(
            jobs.map(async (job): Promise<JobResult> => {
              try {
                const payload = definition.payload.parse(job.data);
                await inSpan(`job ${definition.name}`, { attributes: { 'job.id': job.id, 'job.retry_count': job.retryCount } }, () =>
                  definition.handler(deps, payload, { id: job.id, retryCount: job.retryCount, signal: job.signal }),
                );
                return { id: job.id, status: 'completed' };
              } catch (error) {
                deps.logger.warn({ err: error, job: definition.name, jobId: job.id, retryCount: job.retryCount }, 'job failed');
                return { id: job.id, status: 'failed', output: { message: (error as Error).message } };
              }
            }),
          ),
      );
      deps.jobs.registerWorker(definition.name, workerId);
    }
  }
}
