#!/usr/bin/env node
// `npx eventogate …`: the operator CLI (src/cli.ts), run from source with tsx like `npm run dev`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli.ts');
process.exit(await runCli(process.argv.slice(2)));
