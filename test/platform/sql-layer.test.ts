import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * One data-access layer (issue 26): every SQL statement lives in a `*.sql.ts` beside its feature or in `src/db/`,
 * so what the code asks of the database is one kind of file to read, review and index. This fails on a query
 * run anywhere else: `.query(…)` on a pool, client or Sql, or Prisma's `$queryRaw`/`$executeRaw`.
 */
const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe('the data-access layer', () => {
  it('holds every SQL statement: none is run outside *.sql.ts and src/db/', () => {
    const outside = sourceFiles(SRC)
      .map((path) => relative(SRC, path))
      .filter((path) => !path.endsWith('.sql.ts') && !path.startsWith('db/'))
      // The import's CSV thread runs one statement on a connection of its own: READ_IMPORT_FILE, written in
      // imports.sql.ts and handed to the thread as text (a worker thread cannot share the app's pool).
      .filter((path) => path !== 'modules/imports/csv-parse.worker.mjs');
    expect(outside.length).toBeGreaterThan(100);
    const offenders = outside.flatMap((path) =>
      readFileSync(join(SRC, path), 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          // A Hono request's query string (c.req.query) is not SQL.
          /(?<!req)\.query\s*[<(]|\.\$(queryRaw|executeRaw)(Unsafe)?\b/.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(offenders).toEqual([]);
  });
});
