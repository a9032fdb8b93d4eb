import { z } from 'zod';
import { poolSql } from '../../db/sql.ts';
import type { Deps } from '../../deps.ts';
import type { Attendee, ImportJob, Prisma } from '../../generated/prisma/client.ts';
import { defineQueue } from '../../jobs/job.ts';
import { type Actor, authorize } from '../../lib/actor.ts';
import type { Channel } from '../../lib/channel.ts';
import { AppError, invalidCursor, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { emailHash } from '../../lib/redaction.ts';
import { parseInput } from '../../lib/validation.ts';
import { audit } from '../audit/index.ts';
import { credentialBoundChannel, type Revoked } from '../auth/index.ts';
import { type CachedEvent, findAuthorizedEvent, loadCachedEvent } from '../events/index.ts';
import { inRegistrationTransaction, insertRegistrations, type PendingRegistration, prepareRegistration, validateRegistration } from '../registrations/index.ts';
import { type ImportRowError, parseImportCsv, parseStoredCsv, rowErrors, rowToRegistration, unknownColumnsError } from './import-csv.ts';
import { erasedSince, importedRows, insertImportJob, READ_IMPORT_FILE, recordImportProgress, registeredEmails } from './imports.sql.ts';

const BATCH = 100;

/** The imports' queue: one job per import (the job, with its retry policy, is imports.jobs.ts). */
export const importQueue = defineQueue({ name: 'imports.run', payload: z.object({ importJobId: z.string() }) });
export const ERASED_DURING_IMPORT = 'This person’s data was erased after the file was uploaded: the row was not imported.';
const PROGRESS_CHANNEL = 'eventogate_import_progress';

const ImportAttendeesInput = z.strictObject({
  eventId: z.string().trim().min(1).max(64),
  csv: z.string(),
  sendEmails: z.boolean().nullish(),
  dryRun: z.boolean().nullish(),
});

/**
 * Stores the upload and queues its processing; returns at once. The file is checked for what would make
 * every row fail (size, row count, header) before anything is stored.
 */
export async function importAttendees(deps: Deps, options: { actor: Actor; input: unknown }): Promise<ImportJob> {
  const actor = authorize(options.actor, 'attendees:manage');
  const input = parseInput(ImportAttendeesInput, options.input);
  const { event } = await findAuthorizedEvent(deps, { actor, eventId: input.eventId, permission: 'attendees:manage' });
  const context = await loadCachedEvent(deps, event.id);
  if (!context) throw notFound('Event');
  const parsed = await parseImportCsv(input.csv, context.customFields);
  const id = newId('importJob');
  // Plain pg, not Prisma: a 10 MB parameter costs Prisma's query engine a long uninterrupted slice of the event loop.
  await deps.db.sqlTransaction(async (sql) => {
    await insertImportJob(sql, {
      id,
      organisationId: actor.organisationId,
      eventId: event.id,
      createdById: actor.kind === 'user' ? actor.userId : null,
      dryRun: input.dryRun ?? false,
      sendEmails: input.sendEmails ?? false,
      csv: input.csv,
      total: parsed.rows.length,
      errors: unknownColumnsError(parsed.unknownColumns),
    });
    await deps.jobs.send(sql, importQueue, { importJobId: id });
    await audit(sql, actor, 'attendees.imported', [id]);
  });
  return withoutFile(await deps.prisma.importJob.findUniqueOrThrow({ where: { id }, omit: { csv: true } }));
}

/**
 * An import as it is shown: never the uploaded file (up to 10 MB; decoding it is a long pause of the event loop),
 * which only the runner reads (READ_IMPORT_FILE). Its `csv` is empty.
 */
function withoutFile(job: Omit<ImportJob, 'csv'>): ImportJob {
  return { ...job, csv: '' };
}

export async function getImportJob(deps: Deps, options: { actor: Actor; id: string }): Promise<ImportJob> {
  const actor = authorize(options.actor, 'attendees:manage');
  const id = parseId('importJob', options.id);
  const job = id ? await deps.prisma.importJob.findUnique({ where: { id }, omit: { csv: true } }) : null;
  if (!job) throw notFound('Import job');
  if (job.organisationId !== actor.organisationId) throw notFound('Import job');
  return withoutFile(job);
}

/** One page of the event's import jobs, newest first. OWNER/ADMIN. */
export async function listImportJobs(
  deps: Deps,
  options: { actor: Actor; eventId: string; query?: Omit<Prisma.ImportJobFindManyArgs, 'where' | 'orderBy'> },
): Promise<Array<Omit<ImportJob, 'csv'>>> {
  const event = await importableEvent(deps, options);
  const after = (options.query as { cursor?: { id?: string } } | undefined)?.cursor?.id;
  if (after && (await deps.prisma.importJob.count({ where: { id: after, eventId: event.id } })) === 0) throw invalidCursor();
  // Never the uploaded files (up to 10 MB a job) for a list.
  return await deps.prisma.importJob.findMany({
    ...options.query,
    omit: { csv: true },
    where: { eventId: event.id },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

export async function countImportJobs(deps: Deps, options: { actor: Actor; eventId: string }): Promise<number> {
  const event = await importableEvent(deps, options);
  return await deps.prisma.importJob.count({ where: { eventId: event.id } });
}

async function importableEvent(deps: Deps, options: { actor: Actor; eventId: string }) {
  return (await findAuthorizedEvent(deps, { actor: options.actor, eventId: options.eventId, permission: 'attendees:manage' })).event;
}

/**
 * Processes the rows from where the job left off, 100 at a time. Each batch is validated row by row (the
 * registration rules, every problem reported) and written like a batch of API registrations — one transaction,
 * the rules decided on the locked event and ticket types (so a cancellation, a closed window or a capacity
 * lowered while the import runs applies from the next batch on, and the rows it refuses are reported with the
 * reason), webhooks and emails as for any registration — with the job's progress committed in the same
 * transaction. A crash therefore resumes exactly after the last committed batch, and rows an earlier run wrote
 * (recognised by the job and row number) are counted, never created twice. A dry run validates every row and
 * writes nothing.
 */
export async function runImport(deps: Deps, options: { importJobId: string; lastAttempt: boolean }): Promise<void> {
  const job = await deps.prisma.importJob.findUnique({ where: { id: options.importJobId }, omit: { csv: true } });
  if (!job || job.status === 'COMPLETED' || job.status === 'FAILED') return;
  const event = await loadCachedEvent(deps, job.eventId);
  if (!event) return;
  try {
    const { header, rows } = await parseStoredCsv(
      { connectionString: deps.pool.options.connectionString as string, text: READ_IMPORT_FILE, values: [job.id] },
      event.customFields,
    );
    if (job.status === 'PENDING') await update(deps, job.id, { status: 'RUNNING', startedAt: deps.clock.now() });
    const seenEmails = job.dryRun ? await existingEmails(deps, event, rows, header) : null;

    for (let start = job.processed; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH).map((row, i) => ({ number: start + i + 2, input: rowToRegistration(header, row, event.customFields) }));
      if (job.dryRun) {
        const results = batch.map(({ number, input }) => checkRow(event, number, input, seenEmails as Set<string>, deps.clock.nowMs()));
        await inRegistrationTransaction(deps, (sql) =>
          recordImportProgress(sql, {
            importJobId: job.id,
            processed: start + batch.length,
            created: 0,
            skipped: batch.length,
            errors: results.flatMap((r) => r.errors),
          }),
        );
      } else {
        await importBatch(deps, { job, event, batch, processed: start + batch.length });
      }
      await publishProgress(deps, job.id);
    }
    // The uploaded file was kept only to resume a crashed run: once finished, no copy of its rows remains.
    await update(deps, job.id, { status: 'COMPLETED', finishedAt: deps.clock.now(), csv: '' });
  } catch (error) {
    if (options.lastAttempt) await update(deps, job.id, { status: 'FAILED', finishedAt: deps.clock.now(), csv: '' });
    throw error;
  }
}

async function importBatch(
  deps: Deps,
  options: { job: Omit<ImportJob, 'csv'>; event: CachedEvent; batch: Array<{ number: number; input: Record<string, unknown> }>; processed: number },
): Promise<void> {
  const { job, event, batch } = options;
  const errors: ImportRowError[] = [];
  const pending: Array<{ number: number; registration: PendingRegistration }> = [];
  for (const { number, input } of batch) {
    try {
      const registration = prepareRegistration({
        now: deps.clock.nowMs(),
        event,
        input,
        source: 'IMPORT',
        testMode: false,
        sendEmail: job.sendEmails,
        import: { jobId: job.id, row: number },
      });
      pending.push({ number, registration });
    } catch (error) {
      errors.push(...errorsOf(number, error));
    }
  }
  const created = await inRegistrationTransaction(deps, async (sql, exclusive) => {
    const earlier = await importedRows(
      sql,
      job.id,
      pending.map((p) => p.number),
    );
    // The file was read when the run started: people erased since it was uploaded are not brought back.
    const hashes = new Map(pending.map((p) => [p.number, emailHash(deps.secretKey, p.registration.columns.emailNormalized)]));
    const erased = await erasedSince(sql, { organisationId: job.organisationId, since: job.createdAt, hashes: [...hashes.values()] });
    const erasedRows = pending.filter((p) => !earlier.has(p.number) && erased.has(hashes.get(p.number)!));
    const fresh = pending.filter((p) => !earlier.has(p.number) && !erasedRows.includes(p));
    const results =
      fresh.length > 0
        ? await insertRegistrations(
            deps,
            sql,
            fresh.map((p) => p.registration),
            exclusive,
          )
        : [];
    const batchErrors = [...errors, ...erasedRows.map((p) => ({ row: p.number, field: 'email', message: ERASED_DURING_IMPORT }))];
    const attendees: Attendee[] = [];
    results.forEach((result, i) => {
      if (result instanceof Error) batchErrors.push(...errorsOf(fresh[i]!.number, result));
      else attendees.push(result);
    });
    batchErrors.sort((a, b) => a.row - b.row);
    const count = attendees.length + earlier.size;
    await recordImportProgress(sql, { importJobId: job.id, processed: options.processed, created: count, skipped: batch.length - count, errors: batchErrors });
    return attendees;
  });
  if (created.length > 0) deps.metrics.registrations.inc({ source: 'import', mode: 'live' }, created.length);
  for (const attendee of created) await deps.live.publish({ kind: 'registered', eventId: event.id, attendeeId: attendee.id, testMode: false });
}

/** A row's refusal as report lines (field errors, or the reason as an `event` error: the event was deleted). */
function errorsOf(row: number, error: unknown): ImportRowError[] {
  if (!(error instanceof AppError)) throw error;
  return error.fieldErrors ? rowErrors(row, error.fieldErrors) : [{ row, field: 'event', message: error.message }];
}

/** The dry run's row check: the registration rules, plus duplicates against the event and earlier rows. */
function checkRow(
  event: CachedEvent,
  row: number,
  input: Record<string, unknown>,
  seenEmails: Set<string>,
  now: number,
): { created: boolean; errors: ImportRowError[] } {
  try {
    const valid = validateRegistration(event, input, 'IMPORT', { now });
    const email = valid.input.email.toLowerCase();
    if (seenEmails.has(email)) return { created: false, errors: [{ row, field: 'email', message: 'This email has already been registered for this event.' }] };
    seenEmails.add(email);
    return { created: false, errors: [] };
  } catch (error) {
    if (error instanceof AppError && error.fieldErrors) return { created: false, errors: rowErrors(row, error.fieldErrors) };
    throw error;
  }
}

async function existingEmails(deps: Deps, event: CachedEvent, rows: string[][], header: string[]): Promise<Set<string>> {
  const at = header.indexOf('email');
  const emails = rows.map((r) => (r[at] ?? '').trim().toLowerCase()).filter(Boolean);
  // Plain pg: Prisma's `in` with 50,000 values held the event loop for 60–120 ms (measured).
  return await registeredEmails(poolSql(deps), { eventId: event.id, emails });
}

async function update(deps: Deps, id: string, data: Prisma.ImportJobUpdateInput): Promise<void> {
  await deps.prisma.importJob.update({ where: { id }, data, select: { id: true } });
  await publishProgress(deps, id);
}

async function publishProgress(deps: Deps, id: string): Promise<void> {
  await deps.pubsub.publish(PROGRESS_CHANNEL, id);
}

/**
 * Every saved state of one import, in order, as it happens (the importProgress subscription), until it completes
 * or fails, the subscriber leaves, or its credential stops being valid.
 */
export async function watchImport(deps: Deps, options: { actor: Actor; id: string; signal?: AbortSignal | undefined }): Promise<Channel<ImportJob | Revoked>> {
  const actor = authorize(options.actor, 'attendees:manage');
  let refresh = () => {};
  // Listening before the first read, so no update can fall between the two.
  const unsubscribe = await deps.pubsub.subscribe(PROGRESS_CHANNEL, (id) => id === options.id && refresh());
  let first: ImportJob;
  try {
    first = await getImportJob(deps, options);
  } catch (error) {
    await unsubscribe();
    throw error;
  }
  const finished = (job: ImportJob) => job.status === 'COMPLETED' || job.status === 'FAILED';
  const channel = credentialBoundChannel<ImportJob>({ deps, signal: options.signal }, actor, (push) => {
    let last = first;
    let reading = Promise.resolve();
    refresh = () => {
      reading = reading.then(async () => {
        const found = await deps.prisma.importJob.findUnique({ where: { id: first.id }, omit: { csv: true } }).catch(() => null);
        const current = found ? withoutFile(found) : null;
        if (!current || (current.processed === last.processed && current.status === last.status)) return;
        last = current;
        push(current);
        if (finished(current)) channel.end();
      });
    };
    push(first);
    return () => void unsubscribe();
  });
  if (finished(first)) channel.end();
  return channel;
}
