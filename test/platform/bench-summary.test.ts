import { describe, expect, it } from 'vitest';
import { type Run, summarise, table } from '../../bench/summary.ts';
import type { Measurement } from '../../bench/support.ts';

/** bench:compare's verdicts: what a reader acts on, so they must follow the metric's direction and the spread. */
const reg = (value: number): Measurement => ({ part: 'registrations', metric: 'req/s', value, unit: 'req/s', better: 'higher' });
const p99 = (value: number): Measurement => ({ part: 'registrations', metric: 'p99', value, unit: 'ms', better: 'lower' });
const runs = (mine: number[], theirs: number[], m: (v: number) => Measurement): Run[] =>
  mine.flatMap((v, i) => [
    { tree: 'this' as const, round: i + 1, measurements: [m(v)] },
    { tree: 'other' as const, round: i + 1, measurements: [m(theirs[i]!)] },
  ]);

describe('bench:compare summary', () => {
  it('pairs rounds into ratios and calls overlapping ranges the same', () => {
    const [row] = summarise(runs([2000, 2600, 2400], [2500, 2700, 2300], reg));
    expect(row).toMatchObject({ mine: [2000, 2600, 2400], theirs: [2500, 2700, 2300], verdict: 'same' });
    expect(row!.ratios.map((r) => r.toFixed(3))).toEqual(['0.800', '0.963', '1.043']);
  });

  it('names better and worse by the direction of the metric', () => {
    expect(summarise(runs([3000, 3100], [2000, 2100], reg))[0]!.verdict).toBe('better');
    expect(summarise(runs([1000, 1100], [2000, 2100], reg))[0]!.verdict).toBe('worse');
    expect(summarise(runs([10, 11], [20, 21], p99))[0]!.verdict).toBe('better');
    expect(summarise(runs([30, 31], [20, 21], p99))[0]!.verdict).toBe('worse');
  });

  it('a metric only one tree measured (a failed run, a new part) has no ratio; one round has no spread to judge by', () => {
    const [row] = summarise([
      { tree: 'this', round: 1, measurements: [reg(2000)] },
      { tree: 'other', round: 1, measurements: [] },
    ]);
    expect(row).toMatchObject({ mine: [2000], theirs: [], ratios: [], verdict: 'one round' });
    expect(summarise(runs([1000], [2000], reg))[0]!.verdict).toBe('one round');
    expect(table([row!], { mine: 'this', theirs: 'other' })).toContain('2,000');
  });

  it('prints the median and the range', () => {
    const text = table(summarise(runs([2000, 2600, 2400], [2500, 2700, 2300], reg)), { mine: 'this', theirs: 'other' });
    expect(text).toContain('2,400 (2,000–2,600)');
    expect(text).toContain('0.96 (0.80–1.04)');
  });
});
