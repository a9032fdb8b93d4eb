import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * EventoGate's own directory (where its package.json is): the files it reads at run time — migrations, the built
 * dashboard, the scanner's sources — are found from here, the same whether the code runs from src/ (tsx, the
 * tests), from dist/ (compiled) or from one bundled file, wherever that file sits.
 */
export const ROOT = findRoot(import.meta.dirname);

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'eventogate') return dir;
    if (dirname(dir) === dir) throw new Error(`EventoGate's package.json was not found above ${from}`);
  }
}
