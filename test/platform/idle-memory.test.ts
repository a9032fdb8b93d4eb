import { describe, expect, it } from 'vitest';
import { releaseMemory, youngGenerationBytes } from '../../src/lib/idle-memory.ts';

const MB = 1024 * 1024;

/** Allocates as a busy server does (most objects die young, some live a while), until V8 has grown the young generation. */
function growYoungGeneration(): void {
  const kept: unknown[] = new Array(20_000);
  for (let i = 0; i < 3_000_000 && youngGenerationBytes() < 16 * MB; i++) kept[i % kept.length] = { i, text: `row ${i}`, list: [i, i + 1] };
  expect(youngGenerationBytes()).toBeGreaterThanOrEqual(16 * MB);
}

describe('start-up memory given back', () => {
  it('a memory-reducing GC gives the young generation’s pages back to the system', () => {
    growYoungGeneration();
    const young = youngGenerationBytes();
    const rss = process.memoryUsage().rss;
    releaseMemory();
    // An ordinary full GC leaves both where they were (measured: 16 MB of young generation, the same RSS).
    expect(youngGenerationBytes()).toBeLessThan(2 * MB);
    expect(rss - process.memoryUsage().rss).toBeGreaterThan(young / 2);
  });
});
