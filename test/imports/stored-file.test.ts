import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/errors.ts';
import { parseStoredCsv } from '../../src/modules/imports/import-csv.ts';
import { READ_IMPORT_FILE } from '../../src/modules/imports/imports.sql.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { freePort } from '../support/net.ts';

/**
 * The import runner's file is read by the CSV thread on a connection of its own (import-csv.ts): what it finds is
 * parsed like an upload, and a failure to read it is a failure (the job is retried), never "your file is invalid".
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await app.deps.pool.query('CREATE TABLE IF NOT EXISTS stored_file_probe (id text PRIMARY KEY, csv text NOT NULL)');
});
afterAll(async () => {
  await app?.stop();
});

const connectionString = () => app.deps.pool.options.connectionString as string;

describe('a stored import file, read by the CSV thread', () => {
  it('is read and parsed, non-ASCII text intact, keeping only the columns the import uses', async () => {
    await app.deps.pool.query('INSERT INTO stored_file_probe VALUES ($1, $2)', [
      'a',
      'first_name,last_name,email,shoe_size\nZoë,Ångström 😀,zoe@example.com,42\n',
    ]);
    const parsed = await parseStoredCsv({ connectionString: connectionString(), text: 'SELECT csv FROM stored_file_probe WHERE id = $1', values: ['a'] }, []);
    expect(parsed).toEqual({
      header: ['first_name', 'last_name', 'email'],
      rows: [['Zoë', 'Ångström 😀', 'zoe@example.com']],
      unknownColumns: ['shoe_size'],
    });
  });

  it('the runner’s own statement reads import_jobs (a missing job reads as an empty file, refused as such)', async () => {
    const refused = await parseStoredCsv({ connectionString: connectionString(), text: READ_IMPORT_FILE, values: ['imp_missing'] }, []).catch((e) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).fieldErrors).toEqual({ csv: ['The csv field must start with a header row.'] });
  });

  it('a database it cannot reach is an error to retry, not a refusal of the file', async () => {
    const closedPort = await freePort();
    const failure = await parseStoredCsv(
      { connectionString: `postgres://nobody@127.0.0.1:${closedPort}/none`, text: READ_IMPORT_FILE, values: ['imp_x'] },
      [],
    ).catch((e) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(AppError);
    expect((failure as Error).message).toMatch(/^Reading the stored import file failed: .*ECONNREFUSED/);
  });
});
