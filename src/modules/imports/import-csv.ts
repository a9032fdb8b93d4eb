import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CustomField } from '../../generated/prisma/client.ts';
import { invalidField } from '../../lib/errors.ts';
import { ROOT } from '../../lib/paths.ts';

export const STANDARD_COLUMNS = ['first_name', 'last_name', 'email', 'phone', 'country', 'ticket_type_slug'] as const;
const REQUIRED_COLUMNS = ['first_name', 'last_name', 'email'];
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 50_000;
/** Columns per record (the header included): the six standard ones and the event's questions fit many times over. */
export const MAX_IMPORT_COLUMNS = 500;
/** Characters per cell: the longest answer a registration takes (a long text) fits. */
export const MAX_IMPORT_CELL_CHARS = 10_000;
/** Unknown columns named in the one error that reports them. */
const UNKNOWN_COLUMNS_NAMED = 20;

export interface ImportRowError {
  /** Spreadsheet numbering: the header is row 1, the first attendee row 2. */
  row: number;
  field: string;
  message: string;
}

export interface ParsedImport {
  header: string[];
  rows: string[][];
  /** Columns that are neither standard nor a custom field of the event (reported, then ignored; not in `header`/`rows`). */
  unknownColumns: string[];
}

/**
 * RFC 4180 CSV (quotes, embedded commas and newlines, CRLF, a UTF-8 BOM) with a header row, by csv-parse.
 * Refuses what cannot be imported at all — too large, too many rows, columns or characters in a cell, no header,
 * a missing required column — and does so before any per-column work: a hostile file costs one pass over its
 * characters, not a million "unknown column" errors. Both run on a worker thread (csv-parse.worker.mjs), so health
 * checks, other requests and other jobs keep flowing while a large file is read; only the columns an import uses
 * come back.
 */
export async function parseImportCsv(csv: string, fields: readonly CustomField[]): Promise<ParsedImport> {
  // UTF-8 bytes, handed to the CSV thread without a copy (a 10 MB string would be copied there: ~60 ms of this thread).
  const bytes = new TextEncoder().encode(csv);
  if (bytes.byteLength > MAX_IMPORT_BYTES) {
    throw invalidField('csv', `The csv field must not be larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB.`);
  }
  return await parseOn({ bytes }, fields);
}

/**
 * A stored file (checked when it was uploaded), read by the CSV thread itself on a connection of its own: the 10 MB
 * never pass through this thread (receiving and decoding them here held it 60–170 ms, measured), only the kept
 * columns come back. A failure to read it is thrown as it is (the job is retried), never reported as a bad file.
 */
export async function parseStoredCsv(query: StoredFileQuery, fields: readonly CustomField[]): Promise<ParsedImport> {
  return await parseOn({ query }, fields);
}

/** How the CSV thread reads a stored file: a connection string and one statement whose first row's `csv` is the file. */
export interface StoredFileQuery {
  connectionString: string;
  text: string;
  values: unknown[];
}

async function parseOn(source: FileSource, fields: readonly CustomField[]): Promise<ParsedImport> {
  const known = new Set<string>([...STANDARD_COLUMNS, ...fields.map((f) => f.key)]);
  const parsed = await parseOnWorker(source, known);
  if (!parsed.ok) {
    if (parsed.failed) throw new Error(`Reading the stored import file failed: ${parsed.failed}`);
    throw invalidField('csv', parsed.refusal ?? `The csv field is not valid CSV: ${parsed.invalid}`);
  }
  const { header, rows, names } = parsed;
  if (names.length === 0) throw invalidField('csv', 'The csv field must start with a header row.');
  if (rows.length > MAX_IMPORT_ROWS) {
    throw invalidField('csv', `The csv field must not have more than ${MAX_IMPORT_ROWS} rows (it has ${rows.length}).`);
  }
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) throw invalidField('csv', `The header is missing the required column(s): ${missing.join(', ')}.`);
  return { header, rows, unknownColumns: names.filter((n) => n !== '' && !known.has(n)) };
}

/** The one error row that names a file's unknown columns (the first few, and how many more). */
export function unknownColumnsError(columns: readonly string[]): ImportRowError[] {
  if (columns.length === 0) return [];
  const named = columns.slice(0, UNKNOWN_COLUMNS_NAMED).map((c) => `"${c}"`);
  const more = columns.length - named.length;
  return [
    {
      row: 1,
      field: 'header',
      message: `Unknown column${columns.length === 1 ? '' : 's'} ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''} (ignored).`,
    },
  ];
}

type FileSource = { bytes: Uint8Array } | { query: StoredFileQuery };

type WorkerAnswer = { ok: true; header: string[]; rows: string[][]; names: string[] } | { ok: false; refusal?: string; invalid?: string; failed?: string };

/** The most a CSV worker may hold (a 10 MB file of 500 columns needs about a third of it). */
const WORKER_MEMORY_MB = 512;

/** The worker's file, beside this one in the source tree (a build runs it from there too, as it is plain JS). */
const WORKER = join(ROOT, 'src', 'modules', 'imports', 'csv-parse.worker.mjs');

/**
 * The shape check and the parse run on a worker thread, with its own heap: however hostile the file, this thread —
 * which answers every request, health check and job of the process — spends only the uploaded file's UTF-8 bytes
 * (moved to the worker, not copied; a stored file it reads itself) and the copy of the kept columns back. One worker
 * per process, started at the first import and kept (starting one costs this thread tens of milliseconds), one file
 * at a time; a worker that dies (its memory limit) is replaced.
 */
async function parseOnWorker(source: FileSource, known: ReadonlySet<string>): Promise<WorkerAnswer> {
  const run = queue.then(() =>
    askWorker({ ...source, known: [...known], limits: { columns: MAX_IMPORT_COLUMNS, cellChars: MAX_IMPORT_CELL_CHARS, rows: MAX_IMPORT_ROWS } }),
  );
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return await run;
}

let queue: Promise<unknown> = Promise.resolve();
let worker: Worker | null = null;
let nextId = 0;

function askWorker(request: FileSource & { known: string[]; limits: Record<string, number> }): Promise<WorkerAnswer> {
  if (!worker) {
    worker = new Worker(WORKER, {
      // Node's own flags only (the parent's loaders, tsx's or a test runner's, are not needed for plain JS).
      execArgv: [],
      // Memory stays bounded whatever the file: a worker past this is stopped, and the file refused.
      resourceLimits: { maxOldGenerationSizeMb: WORKER_MEMORY_MB },
    });
    // It never keeps the process alive on its own.
    worker.unref();
  }
  const current = worker;
  const id = ++nextId;
  return new Promise<WorkerAnswer>((resolve) => {
    const done = (answer: WorkerAnswer) => {
      current.off('message', onMessage);
      current.off('error', onError);
      current.off('exit', onExit);
      resolve(answer);
    };
    const onMessage = (message: WorkerAnswer & { id: number }) => {
      if (message.id === id) done(message);
    };
    const lost = (why: string) => {
      if (worker === current) worker = null;
      done({ ok: false, refusal: `The csv field could not be read (${why}).` });
    };
    const onError = (error: Error) => lost(error.message);
    const onExit = (code: number) => lost(`the reader stopped with code ${code}`);
    current.on('message', onMessage);
    current.once('error', onError);
    current.once('exit', onExit);
    // Transferred, not copied: the bytes leave this thread (TextEncoder's buffer is theirs alone).
    current.postMessage({ id, ...request }, 'bytes' in request ? [request.bytes.buffer as ArrayBuffer] : []);
  });
}

/** One CSV row as the registration body the REST API takes (custom field values typed for their field). */
export function rowToRegistration(header: readonly string[], row: readonly string[], fields: readonly CustomField[]): Record<string, unknown> {
  const cell = (name: string) => {
    const at = header.indexOf(name);
    const value = at >= 0 ? row[at]?.trim() : undefined;
    return value === '' ? undefined : value;
  };
  const customData: Record<string, unknown> = {};
  for (const field of fields) {
    const value = cell(field.key);
    if (value === undefined) continue;
    customData[field.key] =
      field.type === 'CHECKBOX'
        ? /^(true|yes|y|1|x)$/i.test(value)
          ? true
          : /^(false|no|n|0)$/i.test(value)
            ? false
            : value
        : field.type === 'MULTI_SELECT'
          ? value
              .split(';')
              .map((v) => v.trim())
              .filter(Boolean)
          : value;
  }
  return {
    first_name: cell('first_name'),
    last_name: cell('last_name'),
    email: cell('email'),
    phone: cell('phone'),
    country: cell('country'),
    ticket_type_slug: cell('ticket_type_slug'),
    custom_data: customData,
  };
}

/** A 422's field map as row errors: custom_data.<key> is reported under its column name. */
export function rowErrors(row: number, fieldErrors: Record<string, string[]>): ImportRowError[] {
  return Object.entries(fieldErrors).flatMap(([field, messages]) => messages.map((message) => ({ row, field: field.replace(/^custom_data\./, ''), message })));
}
