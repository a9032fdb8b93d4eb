import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once `pattern` appears in it; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited(): Promise<number | null>;
}

/** `npm start`'s command line after `node` (its package.json script: Node's flags and the compiled dist/main.js). */
const START_ARGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string).split(' ').slice(1);

/**
 * `npm start`'s command as a real child process with its own environment: the compiled server (dist/, which the
 * test setup builds when its sources changed).
 * `processGroup`: the server leads a process group of its own, as a shell's foreground job does (Ctrl-C is a
 * SIGINT to that group: `process.kill(-child.pid, 'SIGINT')`).
 */
export function spawnServer(env: Record<string, string>, options: { processGroup?: boolean } = {}): ServerProcess {
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup ?? false,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited: () => exit,
    // 60 s by default: a server process starting cold took over 20 s in CI (when it still ran under tsx, which
    // transpiled the tree first) while three test workers and a Chromium shared the machine's two cores.
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern}; output:\n${output}`)), timeoutMs);
        const check = () => pattern.test(output) && done();
        const onExit = (code: number | null) => done(new Error(`process exited (${code}) before ${pattern}; output:\n${output}`));
        function done(error?: Error) {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.stderr?.off('data', check);
          child.off('exit', onExit);
          if (error) reject(error);
          else resolve(output);
        }
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        child.once('exit', onExit);
        check();
      }),
  };
}
