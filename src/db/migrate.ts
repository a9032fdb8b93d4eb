import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { sha256Hex } from '../lib/crypto.ts';
import type { Logger } from '../lib/logger.ts';
import { ROOT } from '../lib/paths.ts';

export const MIGRATIONS_DIR = join(ROOT, 'prisma', 'migrations');

// Any constant works; it only has to be the same in every EventoGate process sharing a database.
const MIGRATION_LOCK = 72_011_504;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: sha256Hex(sql) };
    });
}

/**
 * Applies prisma/migrations/<timestamp>_<name>/migration.sql in order and records each in Prisma's own
 * `_prisma_migrations` table (checksum = sha256 of the file), so `prisma migrate status/deploy` agree
 * wherever the native engine exists. A session advisory lock lets several processes start together; an
 * applied migration whose file has since changed stops start-up instead of silently diverging.
 */
export async function applyMigrations(options: { databaseUrl: string; logger: Logger; dir?: string }): Promise<string[]> {
  const migrations = readMigrations(options.dir);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id" VARCHAR(36) PRIMARY KEY NOT NULL,
        "checksum" VARCHAR(64) NOT NULL,
        "finished_at" TIMESTAMPTZ,
        "migration_name" VARCHAR(255) NOT NULL,
        "logs" TEXT,
        "rolled_back_at" TIMESTAMPTZ,
        "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "applied_steps_count" INTEGER NOT NULL DEFAULT 0
      )`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((row) => [row.migration_name, row]));
    const known = new Set(migrations.map((m) => m.name));
    for (const row of rows) {
      if (!known.has(row.migration_name)) {
        options.logger.warn({ migration: row.migration_name }, 'the database has a migration this code does not know');
      }
    }

    const newlyApplied: string[] = [];
    for (const migration of migrations) {
      const row = applied.get(migration.name);
      if (row?.finished_at) {
        if (row.checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.name} was applied with checksum ${row.checksum}, but its file now has ${migration.checksum}. ` +
              'Applied migrations must never change: restore the file and put the change in a new migration.',
          );
        }
        continue;
      }
      if (row) {
        throw new MigrationError(`Migration ${migration.name} started but never finished. Fix the database by hand, then mark it rolled back.`);
      }
      const started = Date.now();
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`);
      }
      options.logger.info({ migration: migration.name, ms: Date.now() - started }, 'applied migration');
      newlyApplied.push(migration.name);
    }
    return newlyApplied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}
