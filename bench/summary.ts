// The table bench/compare.ts prints: each metric of each part, this tree against the other, round by round.
import type { Measurement } from './support.ts';

/** What one run of one tree measured. */
export interface Run {
  tree: 'this' | 'other';
  round: number;
  measurements: Measurement[];
}

export interface Row {
  part: string;
  metric: string;
  unit: string;
  better: Measurement['better'];
  /** This tree's values, one per round, in round order. */
  mine: number[];
  /** The other tree's. */
  theirs: number[];
  /** this / other, per round (rounds where both measured it). */
  ratios: number[];
  /**
   * `same` when the two trees' ranges overlap (the difference is inside the spread); otherwise whether this tree
   * is `better` or `worse` by the metric's own direction. With fewer than two rounds on a side there is no spread
   * to judge by: `one round`.
   */
  verdict: 'same' | 'better' | 'worse' | 'one round';
}

export function summarise(runs: Run[]): Row[] {
  const rows = new Map<string, Row>();
  const byRound = new Map<string, Map<number, { mine?: number; theirs?: number }>>();
  for (const run of [...runs].sort((a, b) => a.round - b.round)) {
    for (const m of run.measurements) {
      const key = `${m.part}\u0000${m.metric}`;
      let row = rows.get(key);
      if (!row) {
        row = { part: m.part, metric: m.metric, unit: m.unit, better: m.better, mine: [], theirs: [], ratios: [], verdict: 'same' };
        rows.set(key, row);
        byRound.set(key, new Map());
      }
      (run.tree === 'this' ? row.mine : row.theirs).push(m.value);
      const round = byRound.get(key)!.get(run.round) ?? {};
      round[run.tree === 'this' ? 'mine' : 'theirs'] = m.value;
      byRound.get(key)!.set(run.round, round);
    }
  }
  for (const [key, row] of rows) {
    for (const { mine, theirs } of [...byRound.get(key)!.entries()].sort(([a], [b]) => a - b).map(([, v]) => v)) {
      if (mine !== undefined && theirs !== undefined && theirs !== 0) row.ratios.push(mine / theirs);
    }
    row.verdict = verdict(row);
  }
  return [...rows.values()];
}

function verdict(row: Row): Row['verdict'] {
  if (row.mine.length < 2 || row.theirs.length < 2) return 'one round';
  const [myLow, myHigh] = [Math.min(...row.mine), Math.max(...row.mine)];
  const [theirLow, theirHigh] = [Math.min(...row.theirs), Math.max(...row.theirs)];
  if (myLow <= theirHigh && theirLow <= myHigh) return 'same';
  const higher = myLow > theirHigh;
  return higher === (row.better === 'higher') ? 'better' : 'worse';
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "2,586 (2,401–2,949)": the median and the range, in the metric's own precision. */
export function spread(values: number[]): string {
  if (values.length === 0) return '—';
  const f = (v: number) => format(v);
  return values.length === 1 ? f(values[0]!) : `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

function format(v: number): string {
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The printed table, one block per part. */
export function table(rows: Row[], names: { mine: string; theirs: string }): string {
  const lines: string[] = [];
  let part = '';
  const head = `${'metric'.padEnd(40)} ${names.mine.padEnd(26)} ${names.theirs.padEnd(26)} ${'this / other'.padEnd(22)} verdict`;
  for (const row of rows) {
    if (row.part !== part) {
      part = row.part;
      lines.push('', `${part}`, head);
    }
    const label = `${row.metric} (${row.unit}, ${row.better} is better)`;
    lines.push(`${label.padEnd(40)} ${spread(row.mine).padEnd(26)} ${spread(row.theirs).padEnd(26)} ${spread(row.ratios).padEnd(22)} ${row.verdict}`);
  }
  return `${lines.join('\n')}\n`;
}
