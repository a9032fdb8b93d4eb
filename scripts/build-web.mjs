// Builds the dashboard (web/dashboard → dist/web/dashboard): GraphQL Code Generator first (the typed documents the
// app imports, validated against schema.graphql), then Vite.
//   node scripts/build-web.mjs              build
//   node scripts/build-web.mjs --if-stale   build only when the sources changed since the last build (`npm start`,
//                                            the test suite): a stamp of every input's content sits beside the output.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const output = join(root, 'dist', 'web', 'dashboard');
const stampFile = join(output, '.build-stamp');

/** Every file the build reads that we write: the app's sources (not its generated folder), the schema, the lockfile. */
function inputs() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (entry === 'gql' || entry === 'node_modules') continue;
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(join(root, 'web'));
  files.push(join(root, 'schema.graphql'), join(root, 'package-lock.json'), join(root, 'codegen.ts'));
  return files;
}

function stamp() {
  const hash = createHash('sha256');
  for (const file of inputs()) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

const ifStale = process.argv.includes('--if-stale');
const wanted = stamp();
if (ifStale && existsSync(join(output, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) {
  process.exit(0);
}

const started = performance.now();
if (ifStale) process.stdout.write('Building the dashboard (its sources changed since the last build)…\n');
const { generate } = await import('@graphql-codegen/cli');
const { default: codegen } = await import(join(root, 'codegen.ts'));
await generate({ ...codegen, cwd: root, silent: true }, true);
const { build } = await import('vite');
await build({ configFile: join(root, 'web', 'dashboard', 'vite.config.ts'), logLevel: ifStale ? 'warn' : 'info' });
writeFileSync(stampFile, wanted);
process.stdout.write(`Dashboard built in ${((performance.now() - started) / 1000).toFixed(1)} s → ${relative(root, output)}\n`);
