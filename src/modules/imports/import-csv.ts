import { parse } from 'csv-parse/sync';
import type { CustomField } from '../../generated/prisma/client.ts';
import { invalidField } from '../../lib/errors.ts';

export const STANDARD_COLUMNS = ['first_name', 'last_name', 'email', 'phone', 'country', 'ticket_type_slug'] as const;
const REQUIRED_COLUMNS = ['first_name', 'last_name', 'email'];
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 50_000;

export interface ImportRowError {
  /** Spreadsheet numbering: the header is row 1, the first attendee row 2. */
  row: number;
  field: string;
  message: string;
}

export interface ParsedImport {
  header: string[];
  rows: string[][];
  /** Columns that are neither standard nor a custom field of the event (reported, then ignored). */
  unknownColumns: string[];
}

/**
 * RFC 4180 CSV (quotes, embedded commas and newlines, CRLF, a UTF-8 BOM) with a header row, by csv-parse.
 * Refuses what cannot be imported at all: too large, no header, a missing required column.
 */
export function parseImportCsv(csv: string, fields: readonly CustomField[]): ParsedImport {
  if (Buffer.byteLength(csv, 'utf8') > MAX_IMPORT_BYTES) {
    throw invalidField('csv', `The csv field must not be larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB.`);
  }
  let records: string[][];
  try {
    records = parse(csv, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: false }) as string[][];
  } catch (error) {
    throw invalidField('csv', `The csv field is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header || header.length === 0) throw invalidField('csv', 'The csv field must start with a header row.');
  if (rows.length > MAX_IMPORT_ROWS) {
    throw invalidField('csv', `The csv field must not have more than ${MAX_IMPORT_ROWS} rows (it has ${rows.length}).`);
  }
  const names = header.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) throw invalidField('csv', `The header is missing the required column(s): ${missing.join(', ')}.`);
  const known = new Set<string>([...STANDARD_COLUMNS, ...fields.map((f) => f.key)]);
  return { header: names, rows, unknownColumns: names.filter((n) => !known.has(n)) };
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
