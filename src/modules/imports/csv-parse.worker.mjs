// Parses imports' CSV files on a worker thread (see import-csv.ts): a file's shape is checked first — columns per
// record, characters per cell, rows — in one pass that allocates nothing, then csv-parse reads it, keeping only the
// columns the import uses. Plain JavaScript so that Node runs it as it is, from the source tree or a build.
import { parentPort } from 'node:worker_threads';
import { parse } from 'csv-parse/sync';
import pg from 'pg';

class Refusal extends Error {}

/** Fields per record, characters per cell (quotes and doubled quotes as RFC 4180 has them) and non-empty records. */
function checkShape(csv, limits) {
  const QUOTE = 34;
  const COMMA = 44;
  const LF = 10;
  const CR = 13;
  let record = 1;
  let fields = 1;
  let cell = 0;
  let nonEmpty = false;
  let quoted = false;
  let records = 0;
  for (let i = 0; i < csv.length; i++) {
    const c = csv.charCodeAt(i);
    if (quoted) {
      if (c === QUOTE) {
        if (csv.charCodeAt(i + 1) === QUOTE) i++;
        else {
          quoted = false;
          continue;
        }
      }
      cell++;
    } else if (c === QUOTE) {
      quoted = true;
      nonEmpty = true;
      continue;
    } else if (c === COMMA) {
      fields++;
      cell = 0;
      nonEmpty = true;
      if (fields > limits.columns) throw new Refusal(`The csv field must not have more than ${limits.columns} columns (row ${record} has more).`);
      continue;
    } else if (c === LF) {
      if (nonEmpty && ++records > limits.rows + 1) throw new Refusal(`The csv field must not have more than ${limits.rows} rows.`);
      record++;
      fields = 1;
      cell = 0;
      nonEmpty = false;
      continue;
    } else if (c === CR) continue;
    else {
      cell++;
      nonEmpty = true;
    }
    if (cell > limits.cellChars) throw new Refusal(`A cell of the csv field must not be longer than ${limits.cellChars} characters (row ${record}).`);
  }
}

/** The file: the bytes sent, or the stored file read on a connection of this thread's own (closed after). */
async function load({ bytes, query }) {
  if (bytes) return new TextDecoder().decode(bytes);
  const client = new pg.Client({ connectionString: query.connectionString, application_name: 'eventogate-import-reader' });
  await client.connect();
  try {
    const { rows } = await client.query(query.text, query.values);
    return rows[0]?.csv ?? '';
  } finally {
    await client.end();
  }
}

function read(csv, { known, limits }) {
  checkShape(csv, limits);
  const wanted = new Set(known);
  let names = null;
  let keep = [];
  const rows = [];
  // on_record: each record is reduced to the kept columns as it is read (no array of 500-column records is built).
  parse(csv, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: false,
    on_record: (record) => {
      if (names === null) {
        names = record.map((h) => h.trim().toLowerCase());
        keep = names.flatMap((name, i) => (wanted.has(name) ? [i] : []));
      } else rows.push(keep.map((i) => record[i] ?? ''));
      return null;
    },
  });
  const header = names ?? [];
  return { ok: true, header: keep.map((i) => header[i]), rows, names: header };
}

// One file at a time, for as long as the process lives (a thread is not started per import).
parentPort.on('message', async ({ id, ...request }) => {
  let csv;
  try {
    csv = await load(request);
  } catch (error) {
    parentPort.postMessage({ id, ok: false, failed: error.message });
    return;
  }
  try {
    parentPort.postMessage({ id, ...read(csv, request) });
  } catch (error) {
    parentPort.postMessage(error instanceof Refusal ? { id, ok: false, refusal: error.message } : { id, ok: false, invalid: error.message });
  }
});
