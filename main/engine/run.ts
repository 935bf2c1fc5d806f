/** A run in the engine (SPEC 11.1) and its JSON forms: API summary and whole run, and the DB record. */
import type { RunCollection, RunJson, RunSummary } from '../../shared/model/run.js';
import type { RunState } from '../../shared/model/states.js';
import type { ActionSpec } from '../actions/spec.js';
import { conditionStr, type BoundCondition } from '../conditions/bind.js';
import { programStr, type BoundProgram } from '../programs/bind.js';
import type { RunRecord } from '../store/run-record.js';

export type Args = Record<string, string>;

export interface Run {
  runId: string;
  jobId: string;
  /** Sorted by key. */
  args: Args;
  state: RunState;
  /** Epoch ms of the last transition or update. */
  timestamp: number;
  /** Generated from a schedule and still `scheduled`: lives in memory only (SPEC 12.1). */
  expected: boolean;
  /** Null when binding failed (the run is then in error). */
  program: BoundProgram | null;
  conds: BoundCondition[];
  actions: ActionSpec[];
  /** State → epoch ms it was entered; plus `schedule`, `stop` and program times. */
  times: Record<string, number>;
  meta: Record<string, unknown>;
  runState: Record<string, unknown> | null;
  /** `meta.job.labels`, copied from the job at creation (SPEC 10.1). */
  labels: string[];
  /**
   * A finished run held in its light form: program, actions and meta are in the database only (SPEC 20 memory
   * goal), `program` is null and `meta` holds just the job labels. Engine.full() reads the whole run back. Set
   * at creation, never added or deleted later: a property added to a built object costs a backing store per run.
   */
  slim: boolean;
}

const NONE: never[] = [];
const interned = new Map<string, unknown>();

/** One shared copy of equal values (job IDs, label lists, job meta): 100,000 runs of 100 jobs need 100. */
function intern<T>(key: string, value: T): T {
  const found = interned.get(key) as T | undefined;
  if (found !== undefined) return found;
  if (interned.size > 100_000) interned.clear(); // a bound, not a leak, with endless distinct values
  interned.set(key, value);
  return value;
}

/** A light finished run from its summary columns (SqliteStore.loadNewestFinishedSummaries). */
export function fromSummaryRow(
  row: readonly [string, number, string, string, string, string, string | null, string | null, string | null],
): Run {
  const [runId, timestamp, jobId, args, state, timesText, labelsText, condsText, host] = row;
  const times: Record<string, number> = {};
  for (const [k, v] of Object.entries(JSON.parse(timesText) as Record<string, string>))
    times[k] = Date.parse(v);
  const labels = labelsText === null ? [] : (JSON.parse(labelsText) as unknown[]).map(String);
  const run: Run = {
    runId,
    jobId,
    args: JSON.parse(args) as Args,
    state: state as Run['state'],
    timestamp: timestamp * 1000,
    expected: false,
    program: null,
    conds: condsText === null || condsText === '[]' ? [] : (JSON.parse(condsText) as BoundCondition[]),
    actions: [],
    times,
    meta: typeof host === 'string' ? { program: { host } } : {},
    runState: null,
    labels,
    slim: false,
  };
  slimDown(run);
  return run;
}

/** The remote host the run's process started on (`meta.program.host`), if any. */
function hostOf(run: Run): string | undefined {
  const program = run.meta['program'];
  const host =
    typeof program === 'object' && program !== null ? (program as { host?: unknown }).host : undefined;
  return typeof host === 'string' ? host : undefined;
}

/** Drops what a finished run does not need in memory (see Run.slim); the database has it all. */
export function slimDown(run: Run): void {
  run.slim = true;
  run.program = null;
  run.actions = NONE;
  run.jobId = intern(`j\u0000${run.jobId}`, run.jobId);
  run.state = intern(`s\u0000${run.state}`, run.state);
  const labelsKey = JSON.stringify(run.labels);
  run.labels = intern(`l\u0000${labelsKey}`, run.labels);
  // The remote host stays, for lists (SPEC 24.3); runs of one job on one host share one meta object.
  const host = hostOf(run);
  run.meta =
    host === undefined
      ? intern(`m\u0000${labelsKey}`, { job: { labels: run.labels } })
      : intern(`m\u0000${labelsKey}\u0000${host}`, { job: { labels: run.labels }, program: { host } });
  if (run.conds.length === 0) run.conds = NONE;
}

const isoCache = new Map<number, string>();

/** ISO text of an instant; a run's times are converted at every write, and most were converted before. */
function iso(ms: number): string {
  let text = isoCache.get(ms);
  if (text === undefined) {
    if (isoCache.size >= 10_000) isoCache.clear();
    text = new Date(ms).toISOString();
    isoCache.set(ms, text);
  }
  return text;
}

function isoTimes(times: Record<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(times)) out[k] = iso(v);
  return out;
}

/** Run summary (SPEC 15.2). */
export function toSummary(run: Run): RunSummary {
  const summary: RunSummary = {
    job_id: run.jobId,
    args: run.args,
    run_id: run.runId,
    state: run.state,
    times: isoTimes(run.times),
    labels: run.labels,
  };
  const extra = summaryExtra(run);
  return extra === undefined ? summary : Object.assign(summary, extra);
}

type SummaryExtra = Pick<RunSummary, 'expected' | 'host' | 'dependencies'>;

/** The optional fields of a run's summary (`expected`, `host`, `dependencies`), or undefined when it has none. */
export function summaryExtra(run: Run): SummaryExtra | undefined {
  const host = hostOf(run);
  if (!run.expected && host === undefined && !run.conds.some((c) => c.type === 'dependency'))
    return undefined;
  const extra: SummaryExtra = {};
  if (run.expected) extra.expected = true;
  if (host !== undefined) extra.host = host;
  const deps = run.conds.filter((c) => c.type === 'dependency');
  if (deps.length > 0) extra.dependencies = deps.map((c) => [c.job_id, c.args]);
  return extra;
}

/** The whole run (SPEC 15.2). */
export function toRunJson(run: Run): RunJson {
  return {
    ...toSummary(run),
    conds: run.conds.map((c) => ({ ...c, str: conditionStr(c) })),
    actions: run.actions.map((a) => ({ ...a })),
    meta: run.meta,
    program: run.program === null ? null : { ...run.program, str: programStr(run.program) },
  };
}

/** `{when, runs}` of some runs. */
export function collection<T>(runs: Iterable<Run>, now: number, shape: (r: Run) => T): RunCollection<T> {
  const out: Record<string, T> = {};
  for (const run of runs) out[run.runId] = shape(run);
  return { when: iso(now), runs: out };
}

/** The DB record of a run. */
export function toRecord(run: Run): RunRecord {
  return {
    run_id: run.runId,
    timestamp: run.timestamp / 1000,
    job_id: run.jobId,
    args: run.args,
    state: run.state,
    program: run.program as Record<string, unknown> | null,
    times: isoTimes(run.times),
    meta: run.meta,
    run_state: run.runState,
    conds: run.conds,
    actions: run.actions,
  };
}

/** A run from its DB record. */
export function fromRecord(rec: RunRecord): Run {
  const times: Record<string, number> = {};
  for (const [k, v] of Object.entries(rec.times)) times[k] = Date.parse(v);
  const job = rec.meta['job'] as { labels?: unknown } | undefined;
  const labels = job?.labels;
  return {
    runId: rec.run_id,
    jobId: rec.job_id,
    args: rec.args,
    state: rec.state,
    timestamp: rec.timestamp * 1000,
    expected: false,
    program: rec.program as BoundProgram | null,
    conds: (rec.conds ?? []) as BoundCondition[],
    actions: (rec.actions ?? []) as ActionSpec[],
    times,
    meta: rec.meta,
    runState: rec.run_state,
    labels: Array.isArray(labels) ? labels.map(String) : [],
    slim: false,
  };
}

/** Instance key: job ID and exact args (SPEC 4.1). */
export function instanceKey(jobId: string, args: Args): string {
  return `${jobId}\u0000${JSON.stringify(args)}`;
}
