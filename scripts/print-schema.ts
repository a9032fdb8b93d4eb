// npm run schema:print  → writes schema.graphql from the code.
// npm run schema:check  → fails (exit 1) when schema.graphql differs from the code; CI runs it.
import { readFileSync, writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { FEATURES } from '../src/features.ts';
import { buildSortedSchema } from '../src/graphql/schema.ts';

const path = new URL('../schema.graphql', import.meta.url);
const printed = `${printSchema(await buildSortedSchema(FEATURES))}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // A missing file differs like any other.
  }
  if (current !== printed) {
    process.stderr.write('schema.graphql is out of date with the code: run `npm run schema:print` and commit the result.\n');
    process.exit(1);
  }
  process.stdout.write('schema.graphql matches the code.\n');
} else {
  writeFileSync(path, printed);
  process.stdout.write('wrote schema.graphql\n');
}
