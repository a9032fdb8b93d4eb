// npm run bench:compare -- <git ref> [rounds]
//
// This tree (the working tree, uncommitted changes included) against another commit, in one sitting on one
// PostgreSQL: the other commit is checked out into a temporary worktree, and the two are benchmarked in turn,
// A B A B … for N rounds (default 3), each run on a fresh database beside the same floor servers. The driver is
// this tree's bench/run.ts for both (the same load, the same seed through the public API); only the app differs.
// Prints each part's numbers for both trees (median and range) and this/other per round, with a verdict: "same"
// when the ranges overlap. BENCH_ONLY picks parts as for `npm run bench`; every run's full output and numbers are
// kept in the directory it names at the start.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Run, summarise, table } from './summary.ts';
import { appCommand, buildDist, startEmbeddedPostgres } from './support.ts';

const ROOT = join(import.meta.dirname, '..');

async function main() {
  const [ref, roundsArg] = process.argv.slice(2);
  if (!ref) {
    process.stderr.write('usage: npm run bench:compare -- <git ref> [rounds]\n');
    process.exit(2);
  }
  const rounds = Number(roundsArg ?? process.env.BENCH_ROUNDS ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got ${roundsArg}`);
  const sha = git('rev-parse', '--verify', `${ref}^{commit}`);
  const short = git('rev-parse', '--short', sha);
  const head = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  const out = mkdtempSync(join(tmpdir(), 'eventogate-compare-'));
  const other = join(out, 'tree');
  process.stdout.write(`bench:compare: this tree (${head}${dirty ? ' + uncommitted changes' : ''}) against ${ref} (${short}), ${rounds} rounds\n`);
  process.stdout.write(`runs' output: ${out}\n`);

  prepareWorktree(sha, other);
  // A tree whose `npm start` runs the compiled build (or BENCH_DIST=1): built once, not once a round.
  for (const root of [ROOT, other]) if (appCommand(root).compiled) buildDist(root);
  const postgres = await startEmbeddedPostgres();
  const running = new Set<ChildProcess>();
  const stop = () => {
    for (const child of running) if (child.pid) process.kill(-child.pid, 'SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const runs: Run[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const tree of ['this', 'other'] as const) {
        const name = `${round}-${tree}`;
        const started = performance.now();
        const resultsFile = join(out, `${name}.json`);
        const code = await benchOnce(running, {
          appRoot: tree === 'this' ? ROOT : other,
          postgresUrl: postgres.url,
          resultsFile,
          log: join(out, `${name}.log`),
        });
        const measurements = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : [];
        process.stdout.write(
          `round ${round}, ${tree === 'this' ? 'this tree' : short}: ${measurements.length} numbers in ${((performance.now() - started) / 1000).toFixed(0)} s` +
            `${code === 0 ? '' : ` — the run failed (exit ${code}), see ${name}.log`}\n`,
        );
        runs.push({ tree, round, measurements });
      }
    }
    process.stdout.write(table(summarise(runs), { mine: `this (${head}${dirty ? '+' : ''})`, theirs: `other (${short})` }));
  } finally {
    await postgres.stop();
    git('worktree', 'remove', '--force', other);
  }
}

/**
 * The other commit in a worktree of its own, ready to start: dependencies shared with this tree when the lockfiles
 * match (installed afresh otherwise), then its generated code (Prisma client, typed documents) from its own schema.
 */
function prepareWorktree(sha: string, dir: string) {
  git('worktree', 'add', '--detach', dir, sha);
  const sameLock = spawnSyncOk('git', ['diff', '--quiet', sha, '--', 'package-lock.json'], ROOT);
  if (sameLock) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  else quietly('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
  const postinstall = join(dir, 'scripts', 'postinstall.mjs');
  if (existsSync(postinstall)) quietly(process.execPath, [postinstall], dir);
  else quietly('npx', ['--no-install', 'prisma', 'generate'], dir);
}

/** Runs a preparation step; its output is shown only if it fails. */
function quietly(command: string, args: string[], cwd: string) {
  try {
    execFileSync(command, args, {
      cwd,
      stdio: 'pipe',
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false' },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    process.stderr.write(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}\n`);
    throw error;
  }
}

function benchOnce(running: Set<ChildProcess>, options: { appRoot: string; postgresUrl: string; resultsFile: string; log: string }): Promise<number> {
  const log = createWriteStream(options.log);
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      BENCH_APP_ROOT: options.appRoot,
      BENCH_POSTGRES_URL: options.postgresUrl,
      BENCH_RESULTS_FILE: options.resultsFile,
      BENCH_DIST_BUILT: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a stopped comparison takes the run's servers (its children) down with it.
    detached: true,
  });
  running.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      log.end();
      resolve(code ?? 1);
    }),
  );
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function spawnSyncOk(command: string, args: string[], cwd: string): boolean {
  try {
    execFileSync(command, args, { cwd, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

await main();
// Cleanup done; don't wait on handles a failed run may have left.
process.exit(0);
