// Compiles the server (src → dist, `tsc -p tsconfig.build.json`), which `npm start` runs.
//   node scripts/build-server.mjs              build
//   node scripts/build-server.mjs --if-stale   build only when the sources changed since the last build (`npm start`,
//                                               the test suite): a stamp of every input's content sits in dist/.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStamp } from './build-stamp.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const output = join(root, 'dist');
const stamp = buildStamp(
  root,
  { dirs: ['src'], files: ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'] },
  { stampFile: join(output, '.server-build-stamp'), output: join(output, 'main.js') },
);
const ifStale = process.argv.includes('--if-stale');
if (ifStale && stamp.fresh) process.exit(0);

const started = performance.now();
if (ifStale) process.stdout.write('Building the server (its sources changed since the last build)…\n');
try {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
} catch {
  process.stderr.write('The server did not compile (the errors above); nothing was started.\n');
  process.exit(1);
}
mkdirSync(output, { recursive: true });
stamp.record();
process.stdout.write(`Server built in ${((performance.now() - started) / 1000).toFixed(1)} s → ${relative(root, output)}\n`);
