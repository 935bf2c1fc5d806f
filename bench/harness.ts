/** A tiny benchmark harness: each benchmark returns rows; the runner prints a table and optional JSON. */

export interface BenchRow {
  benchmark: string;
  /** The measured figure. */
  value: number;
  unit: string;
  /** Human goal, e.g. "< 1 s". */
  goal: string;
  /** True/false when the goal can be judged, null otherwise. */
  met: boolean | null;
  /** Baseline measured in the same run, with its ratio, when there is one. */
  baseline?: { name: string; value: number; ratio: number };
  note?: string;
}

export interface Benchmark {
  name: string;
  /** Keys of rows that can be run alone (`npm run bench -- NAME.KEY`); a benchmark without them runs whole. */
  rows?: string[];
  /** Runs the rows named in `only` (all of them when it is undefined). */
  run(only?: ReadonlySet<string>): Promise<BenchRow[]>;
}

/** Whether row `key` is selected by `only` (every row is when nothing was named). */
export function selected(only: ReadonlySet<string> | undefined, key: string): boolean {
  return only === undefined || only.has(key);
}

/** Milliseconds taken by `fn`. */
export async function timeIt(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

export function formatRows(rows: BenchRow[]): string {
  const header = ['benchmark', 'figure', 'goal', 'met', 'baseline', 'ratio'];
  const lines = rows.map((r) => [
    r.benchmark,
    `${round(r.value)} ${r.unit}`,
    r.goal,
    r.met === null ? '—' : r.met ? 'yes' : 'NO',
    r.baseline === undefined ? '—' : `${r.baseline.name}: ${round(r.baseline.value)} ${r.unit}`,
    r.baseline === undefined ? '—' : `${round(r.baseline.ratio)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

function round(x: number): string {
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}
