// Loaded into the API process and the floor server by `BENCH_TAIL=1 npm run bench` (node --import): where a request's
// tail could come from inside the process — garbage-collection pauses, event-loop delay, and each request's time
// inside the process (from its headers parsed to its response handed to the socket, so the client's latency minus
// this is the time in the kernel and the load generator) — over a window the bench opens and closes with SIGUSR2
// (the second writes the numbers to BENCH_TAIL_FILE as JSON). Nothing here runs in the app.
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const loop = monitorEventLoopDelay({ resolution: 10 });
/** GC pauses in the window: [duration ms, kind] (kind: 1 minor, 2 major, 4 incremental, 8 weak callbacks). */
let pauses = null;
new PerformanceObserver((list) => {
  if (pauses) for (const entry of list.getEntries()) pauses.push([entry.duration, entry.detail?.kind ?? 0]);
}).observe({ entryTypes: ['gc'] });

/** Requests answered in the window: ms from the request's headers parsed to its response finished. */
let served = null;
const startedAt = new WeakMap();
subscribe('http.server.request.start', ({ request }) => {
  if (served) startedAt.set(request, performance.now());
});
subscribe('http.server.response.finish', ({ request }) => {
  const started = startedAt.get(request);
  if (served && started !== undefined) served.push(performance.now() - started);
});

process.on('SIGUSR2', () => {
  if (!pauses) {
    pauses = [];
    served = [];
    loop.reset();
    loop.enable();
    return;
  }
  loop.disable();
  const durations = pauses.map(([ms]) => ms).sort((a, b) => a - b);
  const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const at = (q) => quantile(durations, q);
  const requests = served.sort((a, b) => a - b);
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
      requests: { count: requests.length, p50Ms: quantile(requests, 0.5), p99Ms: quantile(requests, 0.99), maxMs: requests.at(-1) ?? 0 },
    }),
  );
  pauses = null;
  served = null;
});
