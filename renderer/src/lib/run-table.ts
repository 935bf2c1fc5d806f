/**
 * The console's runs, kept sorted and filtered incrementally (SPEC 19.3): a summary batch costs O(log n) per
 * changed run, not a re-sort of 100,000 runs. Counts by state, each job's runs and each job's scheduled runs are
 * indexed as runs change, so no view scans every run per batch.
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
  /** Only runs that entered their current state at or after this time (epoch ms); null for no bound. */
  since?: number | null;
  /** Only runs that entered their current state before this time (epoch ms); null for no bound. */
  before?: number | null;
  /** Only runs with a stop time before this time (epoch ms): overdue once it is past; null for no bound. */
  stopBefore?: number | null;
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

/** True when the filter lets every run through. */
export function isEmptyFilter(f: RunFilter): boolean {
  return (
    f.jobPrefix === '' &&
    f.keywords.length === 0 &&
    f.states.length === 0 &&
    f.args.length === 0 &&
    f.labels.length === 0 &&
    (f.since ?? null) === null &&
    (f.before ?? null) === null &&
    (f.stopBefore ?? null) === null
  );
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
  if (f.since !== undefined && f.since !== null && stateTime(run) < f.since) return false;
  if (f.before !== undefined && f.before !== null && stateTime(run) >= f.before) return false;
  if (f.stopBefore !== undefined && f.stopBefore !== null) {
    const stop = run.times['stop'];
    if (stop === undefined || Date.parse(stop) >= f.stopBefore) return false;
  }
  return true;
}

/** When the run entered its current state (epoch ms), else its sort time. */
export function stateTime(run: RunSummary): number {
  const t = run.times[run.state];
  return t === undefined ? sortTime(run) : Date.parse(t);
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
  /** The filtered rows: the very array `all` while there is no filter, so nothing is kept twice. */
  private shown: Row[] = [];
  private filter: RunFilter = NO_FILTER;
  private counts: Record<string, number> = {};
  /** Job ID → run ID → run. */
  private readonly byJob = new Map<string, Map<string, RunSummary>>();
  /** Job ID → run ID → run, for runs in `scheduled` only. */
  private readonly scheduled = new Map<string, Map<string, RunSummary>>();

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

  /** Replaces everything (an init of the summary stream); a run given twice keeps its later summary. */
  reset(runs: Iterable<RunSummary>): void {
    this.rows.clear();
    this.byJob.clear();
    this.scheduled.clear();
    this.counts = {};
    this.all = [];
    let sorted = true;
    for (const run of runs) {
      const key = sortTime(run);
      const num = runNum(run.run_id);
      const old = this.rows.get(run.run_id);
      if (old !== undefined) {
        this.unindex(old.run);
        if (old.key !== key) sorted = false;
        old.key = key;
        old.run = run;
        this.index(run);
        continue;
      }
      const row = { key, num, run };
      const last = this.all[this.all.length - 1];
      if (last !== undefined && before(row, last.key, last.num)) sorted = false;
      this.rows.set(run.run_id, row);
      this.all.push(row);
      this.index(run);
    }
    // Runs mostly arrive in creation order, already sorted.
    if (!sorted) this.all.sort((a, b) => a.key - b.key || a.num - b.num);
    this.refilter();
  }

  setFilter(filter: RunFilter): void {
    this.filter = isEmptyFilter(filter) ? NO_FILTER : filter;
    this.refilter();
  }

  private refilter(): void {
    const f = this.filter;
    this.shown = f === NO_FILTER ? this.all : this.all.filter((r) => matches(r.run, f));
  }

  /** Adds or updates a run. */
  upsert(run: RunSummary): void {
    const old = this.rows.get(run.run_id);
    const key = sortTime(run);
    const num = runNum(run.run_id);
    if (old !== undefined) this.unindex(old.run);
    this.index(run);
    if (old !== undefined && old.key === key) {
      const oldRun = old.run;
      old.run = run;
      if (this.shown === this.all) return;
      const wasShown = matches(oldRun, this.filter);
      const isShown = matches(run, this.filter);
      if (wasShown && !isShown) this.removeFrom(this.shown, old);
      else if (!wasShown && isShown) this.insertInto(this.shown, old);
      return;
    }
    if (old !== undefined) this.removeRow(old);
    const row = { key, num, run };
    this.rows.set(run.run_id, row);
    this.insertInto(this.all, row);
    if (this.shown !== this.all && matches(run, this.filter)) this.insertInto(this.shown, row);
  }

  remove(runId: string): void {
    const row = this.rows.get(runId);
    if (row === undefined) return;
    this.unindex(row.run);
    this.rows.delete(runId);
    this.removeRow(row);
  }

  /** Counts of runs by state (all runs, unfiltered); states without runs are absent. */
  countByState(): Record<string, number> {
    return { ...this.counts };
  }

  /** The runs of one job (unfiltered, in no particular order). */
  runsOfJob(jobId: string): Iterable<RunSummary> {
    return this.byJob.get(jobId)?.values() ?? [];
  }

  /** Each job's earliest schedule time among its `scheduled` runs; jobs without any are absent. */
  nextScheduled(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [jobId, runs] of this.scheduled) {
      let best: string | undefined;
      for (const run of runs.values()) {
        const t = run.times['schedule'];
        if (t !== undefined && (best === undefined || t < best)) best = t;
      }
      if (best !== undefined) out.set(jobId, best);
    }
    return out;
  }

  /** Up to `limit` runs passing `keep`, latest sort time first (all runs, unfiltered). */
  latest(limit: number, keep: (run: RunSummary) => boolean): RunSummary[] {
    const out: RunSummary[] = [];
    for (let i = this.all.length - 1; i >= 0 && out.length < limit; i -= 1) {
      const run = (this.all[i] as Row).run;
      if (keep(run)) out.push(run);
    }
    return out;
  }

  private index(run: RunSummary): void {
    this.counts[run.state] = (this.counts[run.state] ?? 0) + 1;
    addTo(this.byJob, run);
    if (run.state === 'scheduled') addTo(this.scheduled, run);
  }

  private unindex(run: RunSummary): void {
    const n = (this.counts[run.state] ?? 0) - 1;
    if (n > 0) this.counts[run.state] = n;
    else delete this.counts[run.state];
    deleteFrom(this.byJob, run);
    if (run.state === 'scheduled') deleteFrom(this.scheduled, run);
  }

  private removeRow(row: Row): void {
    this.removeFrom(this.all, row);
    if (this.shown !== this.all) this.removeFrom(this.shown, row);
  }

  private insertInto(rows: Row[], row: Row): void {
    rows.splice(lowerBound(rows, row.key, row.num), 0, row);
  }

  private removeFrom(rows: Row[], row: Row): void {
    const i = lowerBound(rows, row.key, row.num);
    if (rows[i] === row) rows.splice(i, 1);
  }
}

function addTo(index: Map<string, Map<string, RunSummary>>, run: RunSummary): void {
  let runs = index.get(run.job_id);
  if (runs === undefined) index.set(run.job_id, (runs = new Map<string, RunSummary>()));
  runs.set(run.run_id, run);
}

function deleteFrom(index: Map<string, Map<string, RunSummary>>, run: RunSummary): void {
  const runs = index.get(run.job_id);
  if (runs === undefined) return;
  runs.delete(run.run_id);
  if (runs.size === 0) index.delete(run.job_id);
}
