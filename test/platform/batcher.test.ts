import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/lib/batcher.ts';

describe('Batcher observer', () => {
  it('is told each batch’s waits and run, and one that throws stops nothing', async () => {
    const seen: Array<{ calls: number; runMs: number }> = [];
    const batcher = new Batcher<number, number>(async (items) => items.map((n) => n * 2), {
      maxBatch: 10,
      // One batch at a time: a batch whose slot were never given back would leave every later call waiting.
      concurrency: 1,
      observe: ({ waitedMs, runMs }) => {
        seen.push({ calls: waitedMs.length, runMs });
        expect(waitedMs.every((ms) => ms >= 0)).toBe(true);
        throw new Error('a metric that cannot be recorded');
      },
    });
    expect(await Promise.all([batcher.submit(1), batcher.submit(2), batcher.submit(3)])).toEqual([2, 4, 6]);
    expect(await batcher.submit(4)).toBe(8);
    expect(await batcher.submit(5)).toBe(10);
    // The observer hears of a batch once its calls are answered.
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((b) => b.calls)).toEqual([3, 1, 1]);
    expect(seen.every((b) => b.runMs >= 0)).toBe(true);
  });
});
