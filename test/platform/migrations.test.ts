import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR, MigrationError, readMigrations } from '../../src/db/migrate.ts';
import { sha256Hex } from '../../src/lib/crypto.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createTestDatabase } from '../support/database.ts';

const logger = createLogger('silent');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function emptyDatabase(): Promise<string> {
  const database = await createTestDatabase({ fromTemplate: false });
  cleanups.push(database.drop);
  return database.url;
}

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eventogate-migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function recorded(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name');
    return rows as Array<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>;
  } finally {
    await client.end();
  }
}

describe('migrations runner', () => {
  it('applies every migration once, recording Prisma-compatible rows, and is a no-op the second time', async () => {
    const url = await emptyDatabase();
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);

    expect(await applyMigrations({ databaseUrl: url, logger })).toEqual(migrations.map((m) => m.name));
    expect(await applyMigrations({ databaseUrl: url, logger })).toEqual([]);

    const rows = await recorded(url);
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const row of rows) {
      const file = readFileSync(join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(sha256Hex(file));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('lets several processes start together: each migration is applied exactly once', async () => {
    const url = await emptyDatabase();
    const results = await Promise.all(Array.from({ length: 5 }, () => applyMigrations({ databaseUrl: url, logger })));
    expect(results.flat().sort()).toEqual(readMigrations().map((m) => m.name));
    expect(await recorded(url)).toHaveLength(readMigrations().length);
  });

  it('refuses to start when an applied migration’s file has changed, and changes nothing', async () => {
    const url = await emptyDatabase();
    const dir = copyOfMigrations();
    await applyMigrations({ databaseUrl: url, logger, dir });
    const [first] = readMigrations(dir);
    appendFileSync(join(dir, first!.name, 'migration.sql'), '\n-- an edit after the fact\n');
    const before = await recorded(url);

    const attempt = applyMigrations({ databaseUrl: url, logger, dir });
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(applyMigrations({ databaseUrl: url, logger, dir })).rejects.toThrow(
      new RegExp(`Migration ${first!.name} was applied with checksum ${before[0]!.checksum}, but its file now has`),
    );
    expect(await recorded(url)).toEqual(before);
  });

  it('applies a new migration on top, and rolls a failing one back completely', async () => {
    const url = await emptyDatabase();
    const dir = copyOfMigrations();
    await applyMigrations({ databaseUrl: url, logger, dir });

    mkdirSync(join(dir, '29990101000000_add_note'));
    writeFileSync(join(dir, '29990101000000_add_note', 'migration.sql'), 'ALTER TABLE "events" ADD COLUMN "note" TEXT;');
    expect(await applyMigrations({ databaseUrl: url, logger, dir })).toEqual(['29990101000000_add_note']);

    mkdirSync(join(dir, '29990102000000_broken'));
    writeFileSync(join(dir, '29990102000000_broken', 'migration.sql'), 'ALTER TABLE "events" ADD COLUMN "half" TEXT;\nSELECT * FROM no_such_table;');
    await expect(applyMigrations({ databaseUrl: url, logger, dir })).rejects.toThrow(/Migration 29990102000000_broken failed/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const half = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'half'`);
    await client.end();
    expect(half.rowCount).toBe(0);
    expect((await recorded(url)).map((r) => r.migration_name)).not.toContain('29990102000000_broken');
  });
});
