// What the build scripts share: a stamp of every input's content (paths and bytes), written beside the output, so
// `--if-stale` rebuilds only when an input changed — a checkout, an edit, a new lockfile — never by file times.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dirs` (skipping folders named in `skip`) and the single `files`, in a stable order. */
function inputs(root, { dirs, files, skip = [] }) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (skip.includes(entry)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else found.push(path);
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return [...found, ...files.map((file) => join(root, file))];
}

/**
 * The stamp of `root`'s inputs, whether `stampFile` already holds it (and `output` exists), and how to record it
 * once the build succeeded.
 */
export function buildStamp(root, sources, { stampFile, output }) {
  const hash = createHash('sha256');
  for (const file of inputs(root, sources)) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  const wanted = hash.digest('hex');
  return {
    fresh: existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted,
    record: () => writeFileSync(stampFile, wanted),
  };
}
