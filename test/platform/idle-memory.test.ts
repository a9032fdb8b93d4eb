import { describe, expect, it } from 'vitest';
import { releaseMemory, releaseMemoryWhenIdle, youngGenerationBytes } from '../../src/lib/idle-memory.ts';

const MB = 1024 * 1024;

/** Allocates as a busy server does (most objects die young, some live a while), until V8 has grown the young generation. */
function growYoungGeneration(): void {
  const kept: unknown[] = new Array(20_000);
  for (let i = 0; i < 3_000_000 && youngGenerationBytes() < 16 * MB; i++) kept[i % kept.length] = { i, text: `row ${i}`, list: [i, i + 1] };
  expect(youngGenerationBytes()).toBeGreaterThanOrEqual(16 * MB);
}

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('memory given back when idle', () => {
  it('a memory-reducing GC gives the young generation’s pages back', () => {
    growYoungGeneration();
    releaseMemory();
    expect(youngGenerationBytes()).toBeLessThan(2 * MB);
  });

  it('after a quiet interval, once; never while the event loop is busy', async () => {
    growYoungGeneration();
    const released: number[] = [];
    const stop = releaseMemoryWhenIdle({ intervalMs: 100, onRelease: ({ youngGenerationBytes }) => released.push(youngGenerationBytes) });
    try {
      // Busy: every interval spent running JavaScript.
      const busyUntil = performance.now() + 600;
      while (performance.now() < busyUntil) {
        spin(50);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(released).toEqual([]);
      expect(youngGenerationBytes()).toBeGreaterThanOrEqual(16 * MB);
      // Quiet: the next interval gives the memory back, and the ones after find nothing left to give.
      const quietSince = performance.now();
      while (released.length === 0 && performance.now() - quietSince < 10_000) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(released).toHaveLength(1);
      expect(released[0]).toBeGreaterThanOrEqual(16 * MB);
      expect(youngGenerationBytes()).toBeLessThan(2 * MB);
    } finally {
      stop();
    }
  });
});
