// Loaded into the API process by `BENCH_ALLOC=1 npm run bench` (node --import): what the process allocates during the
// registrations' load — a sampling allocation profile (V8's, through the inspector, every 16 KB on average, objects
// already collected included) over the window the bench opens and closes with SIGUSR2. The second writes the
// totals and the largest allocating sites to BENCH_ALLOC_FILE as JSON. Nothing here runs in the app.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const session = new Session();
session.connect();
let sampling = false;

process.on('SIGUSR2', async () => {
  if (!sampling) {
    sampling = true;
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 16_384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return;
  }
  const { profile } = await session.post('HeapProfiler.stopSampling');
  // BENCH_ALLOC_RAW=<file>: the whole sampling profile too (bundle positions; DevTools reads it as .heapprofile).
  if (process.env.BENCH_ALLOC_RAW) writeFileSync(process.env.BENCH_ALLOC_RAW, JSON.stringify(profile));
  const sites = new Map();
  const places = new Map();
  let total = 0;
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const place = url.includes('/node_modules/')
      ? url.split('/node_modules/').at(-1).split('/')[0]
      : url.includes('/src/')
        ? `src/${url.split('/src/').at(-1)}`
        : url || '(native)';
    total += node.selfSize;
    places.set(place, (places.get(place) ?? 0) + node.selfSize);
    const site = `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
    sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, 12);
  writeFileSync(process.env.BENCH_ALLOC_FILE, JSON.stringify({ totalBytes: total, places: top(places), sites: top(sites) }));
});
