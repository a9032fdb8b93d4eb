import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Gives memory back to the system when the process has nothing to do: after start-up, and after a busy spell.
 *
 * V8 grows the young generation to its maximum during start-up (modules, schema, migrations) and under load, and
 * keeps the pages: an idle API process held 32 MB of young generation with 8–11 MB in use. V8's own memory
 * reducer, which would give them back, judges the allocation rate of a process that has gone quiet "high" and never
 * runs (`--trace-memory-reducer`), and an ordinary full GC shrinks the space by V8's count but not the resident
 * memory. A memory-reducing ("last-resort") full GC does both: idle `ROLE=api` 178 → ~140 MB, `ROLE=worker`
 * 167 → ~135 MB, in ~100 ms of this thread (measured; docs/performance.md). The maximum is untouched, so the young
 * generation grows again when the load comes back.
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

export interface IdleMemoryOptions {
  /** How often the event loop's use is looked at (ms). */
  intervalMs?: number;
  /** At most this share of the last interval spent running JavaScript and callbacks counts as idle. */
  maxUtilization?: number;
  /** Memory is given back only when the young generation holds at least this much (bytes). */
  minYoungGenerationBytes?: number;
  onRelease?: (released: { ms: number; youngGenerationBytes: number }) => void;
}

/**
 * Watches the event loop: after an interval in which it was (nearly) idle, with a young generation grown by a busy
 * spell, gives the memory back once. A process under load is never collected; a quiet one at most once per spell
 * (the young generation stays small until load grows it again). Answers a function that stops watching.
 */
export function releaseMemoryWhenIdle(options: IdleMemoryOptions = {}): () => void {
  const { intervalMs = 30_000, maxUtilization = 0.01, minYoungGenerationBytes = 8 * 1024 * 1024 } = options;
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    const young = youngGenerationBytes();
    if (utilization > maxUtilization || young < minYoungGenerationBytes) return;
    const ms = releaseMemory();
    options.onRelease?.({ ms, youngGenerationBytes: young });
    // The collection itself is not load: the next interval starts after it.
    last = performance.eventLoopUtilization();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
