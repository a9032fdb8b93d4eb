// Loaded into the API process by `BENCH_TAIL=1 npm run bench` (node --import): where a request's tail could come
// from inside the process — garbage-collection pauses and event-loop delay — over a window the bench opens and
// closes with SIGUSR2 (the second writes the numbers to BENCH_TAIL_FILE as JSON). Nothing here runs in the app.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const loop = monitorEventLoopDelay({ resolution: 10 });
/** GC pauses in the window: [duration ms, kind] (kind: 1 minor, 2 major, 4 incremental, 8 weak callbacks). */
let pauses = null;
new PerformanceObserver((list) => {
  if (pauses) for (const entry of list.getEntries()) pauses.push([entry.duration, entry.detail?.kind ?? 0]);
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  if (!pauses) {
    pauses = [];
    loop.reset();
    loop.enable();
    return;
  }
  loop.disable();
  const durations = pauses.map(([ms]) => ms).sort((a, b) => a - b);
  const at = (q) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? 0;
  const ms = (ns) => ns / 1e6;
  writeFileSync(
    process.env.BENCH_TAIL_FILE,
    JSON.stringify({
      gc: {
        count: durations.length,
        minor: pauses.filter(([, kind]) => kind === 1).length,
        totalMs: durations.reduce((a, b) => a + b, 0),
        p50Ms: at(0.5),
        p99Ms: at(0.99),
        maxMs: durations.at(-1) ?? 0,
      },
      eventLoopDelay: { p50Ms: ms(loop.percentile(50)), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max) },
    }),
  );
  pauses = null;
});
