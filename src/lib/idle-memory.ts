import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Gives start-up's memory back to the system once the process is up.
 *
 * V8 grows the young generation to its maximum during start-up (modules, schema, migrations) and keeps the pages: an
 * idle API process held 32 MB of young generation with 8–11 MB in use. Nothing scavenges in a process that then
 * waits for work, so V8 never shrinks it; its memory reducer, which would, judges the allocation rate "high" and never
 * runs (`--trace-memory-reducer`); and an ordinary full GC shrinks the space by V8's count but not the resident
 * memory. A memory-reducing ("last-resort") full GC does both: idle `ROLE=api` 178 → ~139 MB, `ROLE=worker`
 * 167 → ~137 MB, in ~100–140 ms of this thread (measured; docs/performance.md). The maximum is untouched, so the
 * young generation grows again under load — and after a load V8 shrinks it by itself (measured: 27 → 0.3 MB within
 * 20 s of the load's end, in `ROLE=api` and `ROLE=all`), as scavenges go on at a low allocation rate.
 */

type GcOptions = { type: 'major'; execution: 'sync'; flavor: 'last-resort' };
let collect: ((options: GcOptions) => void) | undefined;

/**
 * V8's gc(), without running the process with --expose-gc (the flag is set for the moment it takes to read the
 * function from a fresh context, as Jest's leak detector does).
 */
function gcFunction(): (options: GcOptions) => void {
  if (collect) return collect;
  collect = (globalThis as { gc?: (options: GcOptions) => void }).gc;
  if (collect) return collect;
  setFlagsFromString('--expose-gc');
  try {
    collect = runInNewContext('gc') as (options: GcOptions) => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return collect;
}

/** The young generation's resident size (bytes). */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
}

/** One memory-reducing full GC; answers how long it held this thread (ms). */
export function releaseMemory(): number {
  const started = performance.now();
  gcFunction()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return performance.now() - started;
}
