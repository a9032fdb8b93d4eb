import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.ts';

const BIN = '/usr/sbin/pgbouncer';

/** Why a PgBouncer cannot be started on this machine, or null when it can (Debian's package, `apt-get install pgbouncer`). */
export function pgBouncerMissing(): string | null {
  return existsSync(BIN) ? null : `${BIN} not found: apt-get install pgbouncer (.ci/run does when apt is available)`;
}

export interface PgBouncer {
  /** The pooler's URL, for the same database and user as the target. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A PgBouncer of the test's own, in transaction mode — what managed PostgreSQL offers as its pooler — in front of
 * `targetUrl` (a trust-auth server such as startPostgres15's), at most `poolSize` server connections. Clients may
 * not send startup `options` (PgBouncer refuses them, as a managed pooler does), and 1.18 has no prepared-statement
 * support: a named statement lands on whichever server connection runs it. As root it runs as `postgres`, since
 * PgBouncer refuses to run as root.
 */
export async function startPgBouncer(targetUrl: string, options: { poolSize: number }): Promise<PgBouncer> {
  const missing = pgBouncerMissing();
  if (missing) throw new Error(missing);
  const target = new URL(targetUrl);
  const database = target.pathname.slice(1);
  const dir = mkdtempSync(join(tmpdir(), 'eventogate-pgbouncer-'));
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
  const port = await freePort();
  const config = join(dir, 'pgbouncer.ini');
  writeFileSync(
    config,
    [
      '[databases]',
      `${database} = host=${target.hostname} port=${target.port} dbname=${database} user=${decodeURIComponent(target.username)}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize}`,
      'max_client_conn = 2000',
      'server_lifetime = 3600',
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
  );
  if (asRoot) {
    chownSync(dir, ids.uid as number, ids.gid as number);
    chownSync(config, ids.uid as number, ids.gid as number);
  }
  const server: ChildProcess = spawn(BIN, [config], { ...ids, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`PgBouncer did not start within 10 s:\n${log}`)), 10_000);
    const read = (chunk: Buffer) => {
      log += chunk;
      if (/process up|listening on/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    server.stdout?.on('data', read);
    server.stderr?.on('data', read);
    server.once('exit', (code) => reject(new Error(`PgBouncer exited (${code}):\n${log}`)));
  });
  server.stdout?.resume();
  server.stderr?.resume();
  return {
    url: `postgresql://${target.username}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      server.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
