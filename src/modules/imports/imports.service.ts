import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { ImportJob, Prisma } from '../../generated/prisma/client.ts';
import { AppError, forbidden, isUniqueViolation, notFound } from '../../lib/errors.ts';
import { newId, parseId } from '../../lib/ids.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, authorize } from '../auth/actor.ts';
import { findAuthorizedEvent } from '../events/events.service.ts';
import { loadRegistrationEvent, type RegistrationEvent, register, validateRegistration } from '../registrations/registrations.service.ts';
import { type ImportRowError, parseImportCsv, rowErrors, rowToRegistration } from './import-csv.ts';
import { importJob } from './imports.jobs.ts';

const BATCH = 100;
const PARALLEL_ROWS = 8;
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
  const context = await loadRegistrationEvent(deps, event.id);
  if (!context) throw notFound('Event');
  const parsed = parseImportCsv(input.csv, context.customFields);
  return await deps.jobs.transaction(async (tx) => {
    const job = await tx.importJob.create({
      data: {
        id: newId('importJob'),
        organisationId: actor.organisationId,
        eventId: event.id,
        createdById: actor.kind === 'user' ? actor.userId : null,
        dryRun: input.dryRun ?? false,
        sendEmails: input.sendEmails ?? false,
        csv: input.csv,
        total: parsed.rows.length,
        errors: parsed.unknownColumns.map((column) => ({ row: 1, field: column, message: `Unknown column "${column}" (ignored).` })),
      },
    });
    await deps.jobs.send(tx, importJob, { importJobId: job.id });
    return job;
  });
}

export async function getImportJob(deps: Deps, options: { actor: Actor; id: string }): Promise<ImportJob> {
  const actor = authorize(options.actor, 'attendees:manage');
  const id = parseId('importJob', options.id);
  const job = id ? await deps.prisma.importJob.findUnique({ where: { id } }) : null;
  if (!job) throw notFound('Import job');
  if (job.organisationId !== actor.organisationId) throw forbidden('The import job does not belong to your organisation.');
  return job;
}

/**
 * Processes the rows from where the job left off, in batches of 100 (8 rows at a time), each row through
 * the registration service exactly as an API call would go (validation, duplicates, capacity, webhooks,
 * emails). Row errors are collected, never fatal. Progress is saved and published after every batch. A
 * crash resumes at the saved row; rows of the interrupted batch that had committed are recognised by the
 * unique (import job, row) pair and not created twice. A dry run validates every row and writes nothing.
 */
export async function runImport(deps: Deps, options: { importJobId: string; lastAttempt: boolean }): Promise<void> {
  const job = await deps.prisma.importJob.findUnique({ where: { id: options.importJobId } });
  if (!job || job.status === 'COMPLETED' || job.status === 'FAILED') return;
  const event = await loadRegistrationEvent(deps, job.eventId);
  if (!event) return;
  try {
    const { header, rows } = parseImportCsv(job.csv, event.customFields);
    if (job.status === 'PENDING') await update(deps, job.id, { status: 'RUNNING', startedAt: new Date() });
    const seenEmails = job.dryRun ? await existingEmails(deps, event, rows, header) : null;

    for (let start = job.processed; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH).map((row, i) => ({ number: start + i + 2, row }));
      const results: Array<{ created: boolean; errors: ImportRowError[] }> = [];
      for (let i = 0; i < batch.length; i += PARALLEL_ROWS) {
        results.push(
          ...(await Promise.all(
            batch
              .slice(i, i + PARALLEL_ROWS)
              .map(({ number, row }) =>
                job.dryRun
                  ? checkRow(event, number, rowToRegistration(header, row, event.customFields), seenEmails as Set<string>)
                  : importRow(deps, job, event, number, rowToRegistration(header, row, event.customFields)),
              ),
          )),
        );
      }
      const errors = results.flatMap((r) => r.errors).sort((a, b) => a.row - b.row);
      const created = results.filter((r) => r.created).length;
      await deps.prisma.$executeRaw`
        UPDATE import_jobs SET
          processed = ${start + batch.length},
          created = created + ${created},
          skipped = skipped + ${batch.length - created},
          errors = errors || ${JSON.stringify(errors)}::jsonb,
          updated_at = now()
        WHERE id = ${job.id}`;
      await publishProgress(deps, job.id);
    }
    await update(deps, job.id, { status: 'COMPLETED', finishedAt: new Date() });
  } catch (error) {
    if (options.lastAttempt) await update(deps, job.id, { status: 'FAILED', finishedAt: new Date() });
    throw error;
  }
}

async function importRow(
  deps: Deps,
  job: ImportJob,
  event: RegistrationEvent,
  row: number,
  input: Record<string, unknown>,
): Promise<{ created: boolean; errors: ImportRowError[] }> {
  try {
    await register(deps, { event, input, source: 'IMPORT', testMode: false, sendEmail: job.sendEmails, import: { jobId: job.id, row } });
    return { created: true, errors: [] };
  } catch (error) {
    // Created before a crash interrupted this batch: already done.
    if (isUniqueViolation(error, 'attendees_import_job_id_import_row_key')) return { created: true, errors: [] };
    if (error instanceof AppError && error.fieldErrors) return { created: false, errors: rowErrors(row, error.fieldErrors) };
    throw error;
  }
}

/** The dry run's row check: the registration rules, plus duplicates against the event and earlier rows. */
async function checkRow(
  event: RegistrationEvent,
  row: number,
  input: Record<string, unknown>,
  seenEmails: Set<string>,
): Promise<{ created: boolean; errors: ImportRowError[] }> {
  try {
    const valid = validateRegistration(event, input, 'IMPORT');
    const email = valid.input.email.toLowerCase();
    if (seenEmails.has(email)) return { created: false, errors: [{ row, field: 'email', message: 'This email has already been registered for this event.' }] };
    seenEmails.add(email);
    return { created: false, errors: [] };
  } catch (error) {
    if (error instanceof AppError && error.fieldErrors) return { created: false, errors: rowErrors(row, error.fieldErrors) };
    throw error;
  }
}

async function existingEmails(deps: Deps, event: RegistrationEvent, rows: string[][], header: string[]): Promise<Set<string>> {
  const at = header.indexOf('email');
  const emails = rows.map((r) => (r[at] ?? '').trim().toLowerCase()).filter(Boolean);
  const found = await deps.prisma.attendee.findMany({
    where: { eventId: event.id, testMode: false, emailNormalized: { in: emails } },
    select: { emailNormalized: true },
  });
  return new Set(found.map((a) => a.emailNormalized));
}

async function update(deps: Deps, id: string, data: Prisma.ImportJobUpdateInput): Promise<void> {
  await deps.prisma.importJob.update({ where: { id }, data });
  await publishProgress(deps, id);
}

async function publishProgress(deps: Deps, id: string): Promise<void> {
  await deps.pubsub.publish(PROGRESS_CHANNEL, id);
}

/** Every saved state of one import, in order, as it happens (for the importProgress subscription). */
export async function watchImport(deps: Deps, options: { actor: Actor; id: string }): Promise<AsyncGenerator<ImportJob>> {
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  // Listening before the first read, so no update can fall between the two.
  const unsubscribe = await deps.pubsub.subscribe(PROGRESS_CHANNEL, (id) => {
    queue.push(id);
    wake?.();
  });
  let first: ImportJob;
  try {
    first = await getImportJob(deps, options);
  } catch (error) {
    await unsubscribe();
    throw error;
  }
  return (async function* () {
    try {
      let last = first;
      yield last;
      while (last.status !== 'COMPLETED' && last.status !== 'FAILED') {
        if (!queue.includes(first.id)) await new Promise<void>((resolve) => (wake = resolve));
        queue.length = 0;
        const current = await deps.prisma.importJob.findUniqueOrThrow({ where: { id: first.id } });
        if (current.processed !== last.processed || current.status !== last.status) yield current;
        last = current;
      }
    } finally {
      await unsubscribe();
    }
  })();
}
