/**
 * The console's runs, kept sorted and filtered incrementally (SPEC 19.3): a summary batch costs O(log n) per
 * changed run, not a re-sort of 100,000 runs.
 */
import type { RunSummary } from '../../../shared/model/run.js';
import type { RunState } from '../../../shared/model/states.js';

export interface RunFilter {
  /** Job ID prefix (a path in the job tree). */
  jobPrefix: string;
  /** Case-insensitive substrings of the job ID, all required. */
  keywords: string[];
  /** Empty: every state. */
  states: RunState[];
  /** `k=v` requires equality, a bare `k` presence. */
  args: [string, string | null][];
  labels: string[];
}

export const NO_FILTER: RunFilter = { jobPrefix: '', keywords: [], states: [], args: [], labels: [] };

/** Parses `a=1 b` into arg filters. */
export function parseArgFilter(text: string): [string, string | null][] {
  return text
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => {
      const eq = t.indexOf('=');
      return eq < 0 ? [t, null] : [t.slice(0, eq), t.slice(eq + 1)];
    });
}

export function matches(run: RunSummary, f: RunFilter): boolean {
  if (f.jobPrefix !== '' && !run.job_id.startsWith(f.jobPrefix)) return false;
  if (f.states.length > 0 && !f.states.includes(run.state)) return false;
  const id = run.job_id.toLowerCase();
  for (const k of f.keywords) if (!id.includes(k.toLowerCase())) return false;
  for (const [k, v] of f.args) {
    const have = run.args[k];
    if (have === undefined || (v !== null && have !== v)) return false;
  }
  for (const l of f.labels) if (!run.labels.includes(l)) return false;
  return true;
}

/** Sort time of a run: schedule time, else running, else error time (SPEC 19.3). */
export function sortTime(run: RunSummary): number {
  const t = run.times['schedule'] ?? run.times['running'] ?? run.times['error'];
  return t === undefined ? 0 : Date.parse(t);
}

interface Row {
  key: number;
  num: number;
  run: RunSummary;
}

function runNum(runId: string): number {
  const n = Number(runId.slice(1));
  return Number.isFinite(n) ? n : 0;
}

function before(a: Row, key: number, num: number): boolean {
  return a.key < key || (a.key === key && a.num < num);
}

/** Index of the first row not before (key, num). */
function lowerBound(rows: Row[], key: number, num: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(rows[mid] as Row, key, num)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RunTable {
  private readonly rows = new Map<string, Row>();
  private all: Row[] = [];
  private shown: Row[] = [];
  private filter: RunFilter = NO_FILTER;

  get size(): number {
    return this.rows.size;
  }

  get filteredSize(): number {
    return this.shown.length;
  }

  get(runId: string): RunSummary | undefined {
    return this.rows.get(runId)?.run;
  }

  /** The filtered run at sorted position `i` (ascending by time). */
  at(i: number): RunSummary | undefined {
    return this.shown[i]?.run;
  }

  /** Filtered runs in [from, to). */
  slice(from: number, to: number): RunSummary[] {
    return this.shown.slice(from, to).map((r) => r.run);
  }

  /** Position of the first filtered run at or after `time` (the "now" marker). */
  indexOfTime(time: number): number {
    return lowerBound(this.shown, time, -Infinity);
  }

  /** Replaces everything (an init of the summary stream). */
  reset(runs: Iterable<RunSummary>): void {
    this.rows.clear();
    this.all = [];
    for (const run of runs) {
      const row = { key: sortTime(run), num: runNum(run.run_id), run };
      this.rows.set(run.run_id, row);
      this.all.push(row);
    }
    this.all.sort((a, b) => a.key - b.key || a.num - b.num);
    this.refilter();
  }

  setFilter(filter: RunFilter): void {
    this.filter = filter;
    this.refilter();
  }

  private refilter(): void {
    const f = this.filter;
    this.shown = f === NO_FILTER ? [...this.all] : this.all.filter((r) => matches(r.run, f));
  }

  /** Adds or updates a run. */
  upsert(run: RunSummary): void {
    const old = this.rows.get(run.run_id);
    const key = sortTime(run);
    const num = runNum(run.run_id);
    if (old !== undefined && old.key === key) {
      const wasShown = matches(old.run, this.filter);
      old.run = run;
      const isShown = matches(run, this.filter);
      if (wasShown && !isShown) this.removeFrom(this.shown, old);
      else if (!wasShown && isShown) this.insertInto(this.shown, old);
      return;
    }
    if (old !== undefined) this.remove(run.run_id);
    const row = { key, num, run };
    this.rows.set(run.run_id, row);
    this.insertInto(this.all, row);
    if (matches(run, this.filter)) this.insertInto(this.shown, row);
  }

  remove(runId: string): void {
    const row = this.rows.get(runId);
    if (row === undefined) return;
    this.rows.delete(runId);
    this.removeFrom(this.all, row);
    this.removeFrom(this.shown, row);
  }

  /** Counts of runs by state (all runs, unfiltered). */
  countByState(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of this.rows.values()) out[row.run.state] = (out[row.run.state] ?? 0) + 1;
    return out;
  }

  /** All runs, for views that filter themselves (a job's recent runs). */
  values(): IterableIterator<Row> {
    return this.rows.values();
  }

  private insertInto(rows: Row[], row: Row): void {
    rows.splice(lowerBound(rows, row.key, row.num), 0, row);
  }

  private removeFrom(rows: Row[], row: Row): void {
    const i = lowerBound(rows, row.key, row.num);
    if (rows[i] === row) rows.splice(i, 1);
  }
}
