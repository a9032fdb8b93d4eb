// Builds the dashboard (web/dashboard → dist/web/dashboard): GraphQL Code Generator first (the typed documents the
// app imports, validated against schema.graphql), then Vite.
//   node scripts/build-web.mjs              build
//   node scripts/build-web.mjs --if-stale   build only when the sources changed since the last build (`npm start`,
//                                            the test suite): a stamp of every input's content sits beside the output.
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStamp } from './build-stamp.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const output = join(root, 'dist', 'web', 'dashboard');
// Every file the build reads that we write: the app's sources (not its generated folder), the schema, the lockfile.
const stamp = buildStamp(
  root,
  { dirs: ['web'], files: ['schema.graphql', 'package-lock.json', 'codegen.ts'], skip: ['gql', 'node_modules'] },
  { stampFile: join(output, '.build-stamp'), output: join(output, 'index.html') },
);

const ifStale = process.argv.includes('--if-stale');
if (ifStale && stamp.fresh) process.exit(0);

const started = performance.now();
if (ifStale) process.stdout.write('Building the dashboard (its sources changed since the last build)…\n');
const { generate } = await import('@graphql-codegen/cli');
const { default: codegen } = await import(join(root, 'codegen.ts'));
await generate({ ...codegen, cwd: root, silent: true }, true);
const { build } = await import('vite');
await build({ configFile: join(root, 'web', 'dashboard', 'vite.config.ts'), logLevel: ifStale ? 'warn' : 'info' });
stamp.record();
process.stdout.write(`Dashboard built in ${((performance.now() - started) / 1000).toFixed(1)} s → ${relative(root, output)}\n`);
