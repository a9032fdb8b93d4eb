import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './net.ts';

const BIN = '/usr/lib/postgresql/15/bin';

export interface Postgres15 {
  url: string;
  /** `pg_dump` of the whole database (every schema, data and definitions) as SQL text. */
  dump(): string;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL 15 server of the test's own, from Debian's binaries (ENVIRONMENT.md: on every machine of ours),
 * for the one thing the embedded PostgreSQL 18 cannot give: a `pg_dump` of the same major version (the machine's
 * pg_dump is 15 and refuses newer servers). As root, it runs as the `postgres` user, as PostgreSQL requires.
 */
export async function startPostgres15(): Promise<Postgres15> {
  if (!existsSync(join(BIN, 'postgres'))) throw new Error(`PostgreSQL 15 binaries not found in ${BIN} (apt-get install postgresql-15)`);
  const dir = mkdtempSync(join(tmpdir(), 'eventogate-pg15-'));
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
  if (asRoot) chownSync(dir, ids.uid as number, ids.gid as number);
  const data = join(dir, 'data');
  execFileSync(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale'], { ...ids, stdio: 'ignore' });
  const port = await freePort();
  const server: ChildProcess = spawn(
    join(BIN, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'],
    { ...ids, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  // PostgreSQL logs to stderr; this line means it accepts connections.
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`PostgreSQL 15 did not start within 30 s:\n${log}`)), 30_000);
    server.stderr?.on('data', (chunk) => {
      log += chunk;
      if (log.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        server.stderr?.resume();
        resolve();
      }
    });
    server.once('exit', (code) => reject(new Error(`PostgreSQL 15 exited (${code}):\n${log}`)));
  });
  const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE eventogate');
  await admin.end();
  const url = `postgresql://postgres@127.0.0.1:${port}/eventogate`;
  return {
    url,
    dump: () => execFileSync(join(BIN, 'pg_dump'), ['--dbname', url, '--no-owner'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }),
    stop: async () => {
      server.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
