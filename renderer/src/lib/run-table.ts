/**
 * The console's runs, kept sorted and filtered incrementally (SPEC 19.3): a summary batch costs O(log n) per
 * changed run, not a re-sort of 100,000 runs. Counts by state, each job's runs and each job's scheduled runs are
 * indexed as runs change, so no view scans every run per batch.
 */
import type { CompactDecoder, CompactRun } from '../../../shared/api/compact-runs.js';
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

/**
 * A run in the table. From a compact init (`packed`) it holds only what sorting, counting and filtering by job and
 * state need; its summary is built the first time something reads it, and kept.
 */
interface Row {
  key: number;
  num: number;
  id: string;
  job: string;
  state: RunState;
  run: RunSummary | null;
  packed: CompactRun | null;
}

function rowOf(run: RunSummary): Row {
  return {
    key: sortTime(run),
    num: runNum(run.run_id),
    id: run.run_id,
    job: run.job_id,
    state: run.state,
    run,
    packed: null,
  };
}

function runNum(runId: string): number {
  const n = Number(runId.slice(1));
  return Number.isFinite(n) ? n : 0;
}

function before(a: Row, key: number, num: number): boolean {
  return a.key < key || (a.key === key && a.num < num);
}

const byTime = (a: Row, b: Row): number => a.key - b.key || a.num - b.num;

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

/** Merges two sorted lists into a new one. */
function merge(a: Row[], b: Row[]): Row[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Array<Row>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Row;
    const y = b[j] as Row;
    if (before(y, x.key, x.num)) {
      out[k++] = y;
      j += 1;
    } else {
      out[k++] = x;
      i += 1;
    }
  }
  while (i < a.length) out[k++] = a[i++] as Row;
  while (j < b.length) out[k++] = b[j++] as Row;
  return out;
}

/** Whether a job ID passes the filter's job prefix and keywords. */
function jobMatches(jobId: string, f: RunFilter): boolean {
  if (f.jobPrefix !== '' && !jobId.startsWith(f.jobPrefix)) return false;
  const id = jobId.toLowerCase();
  for (const k of f.keywords) if (!id.includes(k.toLowerCase())) return false;
  return true;
}

/** Whether the filter looks at more of a run than its job and state. */
function needsRun(f: RunFilter): boolean {
  return (
    f.args.length > 0 ||
    f.labels.length > 0 ||
    (f.since ?? null) !== null ||
    (f.before ?? null) !== null ||
    (f.stopBefore ?? null) !== null
  );
}

export class RunTable {
  private readonly rows = new Map<string, Row>();
  private all: Row[] = [];
  /** The filtered rows: the very array `all` while there is no filter, so nothing is kept twice. */
  private shown: Row[] = [];
  private filter: RunFilter = NO_FILTER;
  /** Job ID → whether it passes the filter's job prefix and keywords: each job looked at once per filter. */
  private jobOk = new Map<string, boolean>();
  private filterNeedsRun = false;
  private counts: Record<string, number> = {};
  /** Job ID → its rows; built when first asked for, then kept current. */
  private byJob: Map<string, Set<Row>> | null = null;
  /** Job ID → its rows in `scheduled`. */
  private readonly scheduled = new Map<string, Set<Row>>();
  /** Job ID → its latest row (by sort time, then run number) not in `scheduled` or `new`. */
  private lastOf = new Map<string, Row>();
  /** Reads the compact rows of the current init. */
  private decoder: CompactDecoder | null = null;

  get size(): number {
    return this.rows.size;
  }

  get filteredSize(): number {
    return this.shown.length;
  }

  get(runId: string): RunSummary | undefined {
    const row = this.rows.get(runId);
    return row === undefined ? undefined : this.runOf(row);
  }

  /** The filtered run at sorted position `i` (ascending by time). */
  at(i: number): RunSummary | undefined {
    const row = this.shown[i];
    return row === undefined ? undefined : this.runOf(row);
  }

  /** Filtered runs in [from, to). */
  slice(from: number, to: number): RunSummary[] {
    return this.shown.slice(from, to).map((r) => this.runOf(r));
  }

  /** Position of the first filtered run at or after `time` (the "now" marker). */
  indexOfTime(time: number): number {
    return lowerBound(this.shown, time, -Infinity);
  }

  /** Replaces everything (an init of the summary stream); a run given twice keeps its later summary. */
  reset(runs: Iterable<RunSummary>): void {
    this.clear();
    let sorted = true;
    for (const run of runs) {
      const old = this.rows.get(run.run_id);
      if (old !== undefined) {
        const key = sortTime(run);
        this.unindex(old);
        if (old.key !== key) sorted = false;
        old.key = key;
        old.run = run;
        old.state = run.state;
        this.index(old);
        continue;
      }
      const row = rowOf(run);
      const last = this.all[this.all.length - 1];
      if (last !== undefined && before(row, last.key, last.num)) sorted = false;
      this.rows.set(run.run_id, row);
      this.all.push(row);
      this.index(row);
    }
    // Runs mostly arrive in creation order, already sorted.
    if (!sorted) this.all.sort(byTime);
    this.refilter();
  }

  /** Empties the table for a compact init, whose chunks `addCompact` then adds. */
  resetCompact(decoder: CompactDecoder): void {
    this.clear();
    this.decoder = decoder;
  }

  /**
   * Adds a chunk of a compact init (its tables already taken by the decoder given to resetCompact): the chunk is
   * sorted and merged in, O(n) for the whole list, and no run summary is built.
   */
  addCompact(runs: readonly CompactRun[]): void {
    const d = this.decoder;
    if (d === null) throw new Error('addCompact before resetCompact');
    const fresh: Row[] = [];
    for (const packed of runs) {
      const id = d.runId(packed);
      if (this.rows.has(id)) {
        this.upsert(d.summary(packed));
        continue;
      }
      const row: Row = {
        key: d.sortTime(packed),
        num: runNum(id),
        id,
        job: d.jobId(packed),
        state: d.state(packed),
        run: null,
        packed,
      };
      this.rows.set(id, row);
      this.index(row);
      fresh.push(row);
    }
    fresh.sort(byTime);
    const wasAll = this.shown === this.all;
    this.all = merge(this.all, fresh);
    if (wasAll) this.shown = this.all;
    else
      this.shown = merge(
        this.shown,
        fresh.filter((r) => this.rowMatches(r)),
      );
  }

  private clear(): void {
    this.rows.clear();
    this.byJob = null;
    this.scheduled.clear();
    this.lastOf = new Map();
    this.counts = {};
    this.all = [];
    this.shown = this.all;
    this.decoder = null;
  }

  private runOf(row: Row): RunSummary {
    if (row.run === null) {
      row.run = (this.decoder as CompactDecoder).summary(row.packed as CompactRun);
      row.packed = null;
    }
    return row.run;
  }

  setFilter(filter: RunFilter): void {
    this.filter = isEmptyFilter(filter) ? NO_FILTER : filter;
    this.jobOk = new Map();
    this.filterNeedsRun = needsRun(this.filter);
    this.refilter();
  }

  private refilter(): void {
    this.shown = this.filter === NO_FILTER ? this.all : this.all.filter((r) => this.rowMatches(r));
  }

  /** Whether a row passes the filter; its summary is built only when the filter looks past its job and state. */
  private rowMatches(row: Row): boolean {
    const f = this.filter;
    if (f === NO_FILTER) return true;
    let ok = this.jobOk.get(row.job);
    if (ok === undefined) this.jobOk.set(row.job, (ok = jobMatches(row.job, f)));
    if (!ok) return false;
    if (f.states.length > 0 && !f.states.includes(row.state)) return false;
    return !this.filterNeedsRun || matches(this.runOf(row), f);
  }

  /** Adds or updates a run. */
  upsert(run: RunSummary): void {
    const old = this.rows.get(run.run_id);
    const key = sortTime(run);
    if (old !== undefined && old.key === key) {
      const filtered = this.shown !== this.all;
      const wasShown = filtered && this.rowMatches(old);
      this.unindex(old);
      old.run = run;
      old.packed = null;
      old.state = run.state;
      old.job = run.job_id;
      this.index(old);
      if (!filtered) return;
      const isShown = this.rowMatches(old);
      if (wasShown && !isShown) this.removeFrom(this.shown, old);
      else if (!wasShown && isShown) this.insertInto(this.shown, old);
      return;
    }
    if (old !== undefined) {
      this.unindex(old);
      this.removeRow(old);
    }
    const row = rowOf(run);
    this.rows.set(run.run_id, row);
    this.index(row);
    this.insertInto(this.all, row);
    if (this.shown !== this.all && this.rowMatches(row)) this.insertInto(this.shown, row);
  }

  remove(runId: string): void {
    const row = this.rows.get(runId);
    if (row === undefined) return;
    this.unindex(row);
    this.rows.delete(runId);
    this.removeRow(row);
  }

  /** Counts of runs by state (all runs, unfiltered); states without runs are absent. */
  countByState(): Record<string, number> {
    return { ...this.counts };
  }

  /** The runs of one job (unfiltered, in no particular order). */
  runsOfJob(jobId: string): RunSummary[] {
    if (this.byJob === null) {
      this.byJob = new Map();
      for (const row of this.rows.values()) addTo(this.byJob, row);
    }
    return Array.from(this.byJob.get(jobId) ?? [], (row) => this.runOf(row));
  }

  /** The job's latest run (by sort time, then run number) that is not scheduled. */
  lastRunOf(jobId: string): RunSummary | undefined {
    const row = this.lastOf.get(jobId);
    return row === undefined ? undefined : this.runOf(row);
  }

  /** Each job's earliest schedule time among its `scheduled` runs; jobs without any are absent. */
  nextScheduled(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [jobId, rows] of this.scheduled) {
      let best: string | undefined;
      for (const row of rows) {
        const t = this.runOf(row).times['schedule'];
        if (t !== undefined && (best === undefined || t < best)) best = t;
      }
      if (best !== undefined) out.set(jobId, best);
    }
    return out;
  }

  /**
   * Up to `limit` runs passing `keep`, latest sort time first (all runs, unfiltered); with `states`, only runs in
   * one of them are looked at (no summary is built for the others).
   */
  latest(limit: number, keep: (run: RunSummary) => boolean, states?: readonly RunState[]): RunSummary[] {
    const out: RunSummary[] = [];
    for (let i = this.all.length - 1; i >= 0 && out.length < limit; i -= 1) {
      const row = this.all[i] as Row;
      if (states !== undefined && !states.includes(row.state)) continue;
      const run = this.runOf(row);
      if (keep(run)) out.push(run);
    }
    return out;
  }

  private index(row: Row): void {
    this.counts[row.state] = (this.counts[row.state] ?? 0) + 1;
    if (this.byJob !== null) addTo(this.byJob, row);
    if (row.state === 'scheduled') addTo(this.scheduled, row);
    else if (row.state !== 'new') {
      const prev = this.lastOf.get(row.job);
      if (prev === undefined || prev.id === row.id || !before(row, prev.key, prev.num))
        this.lastOf.set(row.job, row);
    }
  }

  private unindex(row: Row): void {
    const n = (this.counts[row.state] ?? 0) - 1;
    if (n > 0) this.counts[row.state] = n;
    else delete this.counts[row.state];
    if (this.byJob !== null) deleteFrom(this.byJob, row);
    if (row.state === 'scheduled') deleteFrom(this.scheduled, row);
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

function addTo(index: Map<string, Set<Row>>, row: Row): void {
  let rows = index.get(row.job);
  if (rows === undefined) index.set(row.job, (rows = new Set<Row>()));
  rows.add(row);
}

function deleteFrom(index: Map<string, Set<Row>>, row: Row): void {
  const rows = index.get(row.job);
  if (rows === undefined) return;
  rows.delete(row);
  if (rows.size === 0) index.delete(row.job);
}
