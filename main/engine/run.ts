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
}

const iso = (ms: number): string => new Date(ms).toISOString();

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
  if (run.expected) summary.expected = true;
  const deps = run.conds.filter((c) => c.type === 'dependency');
  if (deps.length > 0) summary.dependencies = deps.map((c) => [c.job_id, c.args]);
  return summary;
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
  };
}

/** Instance key: job ID and exact args (SPEC 4.1). */
export function instanceKey(jobId: string, args: Args): string {
  return `${jobId}\u0000${JSON.stringify(args)}`;
}
