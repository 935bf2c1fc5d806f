/**
 * The compact run summaries of a summary stream init (`?init&compact=1`, docs/api.md): each run an array of fields
 * in a fixed column order, its job ID, state, args, labels and set of time names given once per init in tables the
 * chunks extend, its times as integer milliseconds. A client keeps the rows as they came and builds a run's summary
 * only when it shows it; the summary it builds equals the one a full init sends, field for field.
 */
import type { Args, RunSummary } from '../model/run.js';
import type { RunState } from '../model/states.js';

/**
 * One run: `[run_id, job, state, args, labels, extra, times, t0, d1, d2, ...]`. `job`, `state`, `args`, `labels`
 * and `times` index the init's tables; `extra` is 0 or an object with the summary's optional fields (`expected`,
 * `host`, `dependencies`); `t0` is the first time (epoch ms) and each `d` the next time in ms after `t0`, in the
 * order of the names at `times`.
 */
export type CompactRun = (string | number | CompactExtra)[];

/** The optional fields of a summary, as the full summary has them. */
export interface CompactExtra {
  expected?: true;
  host?: string;
  dependencies?: [string, Args][];
}

/** A chunk of an init's runs; the tables' new entries come before the runs that use them. */
export interface RunSummariesMessage {
  type: 'run_summaries';
  /** Entries added to the init's tables, in order. */
  jobs: string[];
  states: string[];
  args: Args[];
  labels: string[][];
  times: string[][];
  runs: CompactRun[];
  /** How many runs the whole init holds (a run deleted while it is sent is left out, so it may hold fewer). */
  total: number;
  /** The last chunk of the init. */
  last: boolean;
}

/** Column positions of a CompactRun. */
export const COL = { runId: 0, job: 1, state: 2, args: 3, labels: 4, extra: 5, times: 6, t0: 7 } as const;

/** What the encoder needs of a run: the summary's fields, its times as epoch ms. */
export interface RunFields {
  runId: string;
  jobId: string;
  state: RunState;
  args: Args;
  labels: string[];
  times: Record<string, number>;
  extra: CompactExtra | undefined;
}

/** A table of distinct values, each numbered in order of first use; `added` holds those new since `take()`. */
class Table<T> {
  private readonly byKey = new Map<unknown, number>();
  added: T[] = [];
  private size = 0;

  constructor(private readonly keyOf: (value: T) => unknown) {}

  index(value: T): number {
    // Equal objects are mostly one shared object (the engine interns labels and args): try it as is first.
    let i = this.byKey.get(value);
    if (i !== undefined) return i;
    const key = this.keyOf(value);
    i = this.byKey.get(key);
    if (i === undefined) {
      i = this.size;
      this.size += 1;
      this.byKey.set(key, i);
      this.added.push(value);
    }
    if (typeof value === 'object') this.byKey.set(value, i);
    return i;
  }

  take(): T[] {
    const added = this.added;
    this.added = [];
    return added;
  }
}

/** Encodes the runs of one init, chunk by chunk. */
export class CompactEncoder {
  private readonly jobs = new Table<string>((v) => v);
  private readonly states = new Table<string>((v) => v);
  private readonly args = new Table<Args>((v) => `a${JSON.stringify(v)}`);
  private readonly labels = new Table<string[]>((v) => `l${JSON.stringify(v)}`);
  private readonly times = new Table<string[]>((v) => `t${v.join('\u0000')}`);
  private readonly timeKeys = new Map<string, string[]>();
  private rows: CompactRun[] = [];

  add(run: RunFields): void {
    const names = Object.keys(run.times);
    const nameKey = names.join('\u0000');
    let shared = this.timeKeys.get(nameKey);
    if (shared === undefined) this.timeKeys.set(nameKey, (shared = names));
    const row: CompactRun = [
      run.runId,
      this.jobs.index(run.jobId),
      this.states.index(run.state),
      this.args.index(run.args),
      this.labels.index(run.labels),
      run.extra ?? 0,
      this.times.index(shared),
    ];
    // Whole milliseconds: an ISO time has no more, and integers add and subtract exactly.
    let t0 = 0;
    for (let i = 0; i < names.length; i += 1) {
      const t = Math.trunc(run.times[names[i] as string] as number);
      if (i === 0) {
        t0 = t;
        row.push(t);
      } else row.push(t - t0);
    }
    this.rows.push(row);
  }

  /** The runs added since the last chunk, with the table entries they brought. */
  chunk(total: number, last: boolean): RunSummariesMessage {
    const runs = this.rows;
    this.rows = [];
    return {
      type: 'run_summaries',
      jobs: this.jobs.take(),
      states: this.states.take(),
      args: this.args.take(),
      labels: this.labels.take(),
      times: this.times.take(),
      runs,
      total,
      last,
    };
  }
}

/** A time-name set with where its sort times are (SPEC 19.3: schedule, else running, else error). */
interface TimeNames {
  names: string[];
  schedule: number;
  running: number;
  error: number;
}

/** The tables of one init, extended by each chunk; reads fields of its compact runs. */
export class CompactDecoder {
  readonly jobs: string[] = [];
  readonly states: RunState[] = [];
  readonly args: Args[] = [];
  readonly labels: string[][] = [];
  private readonly times: TimeNames[] = [];

  /** Takes a chunk's new table entries (before reading its runs). */
  extend(m: RunSummariesMessage): void {
    this.jobs.push(...m.jobs);
    this.states.push(...(m.states as RunState[]));
    this.args.push(...m.args);
    this.labels.push(...m.labels);
    for (const names of m.times)
      this.times.push({
        names,
        schedule: names.indexOf('schedule'),
        running: names.indexOf('running'),
        error: names.indexOf('error'),
      });
  }

  runId(row: CompactRun): string {
    return row[COL.runId] as string;
  }

  jobId(row: CompactRun): string {
    return this.jobs[row[COL.job] as number] as string;
  }

  state(row: CompactRun): RunState {
    return this.states[row[COL.state] as number] as RunState;
  }

  /** The run's sort time (epoch ms): schedule time, else running, else error time, else 0. */
  sortTime(row: CompactRun): number {
    const names = this.times[row[COL.times] as number] as TimeNames;
    const at = names.schedule >= 0 ? names.schedule : names.running >= 0 ? names.running : names.error;
    return at < 0 ? 0 : timeAt(row, at);
  }

  /** The run summary, as a full init would have sent it. */
  summary(row: CompactRun): RunSummary {
    const names = (this.times[row[COL.times] as number] as TimeNames).names;
    const times: Record<string, string> = {};
    for (let i = 0; i < names.length; i += 1)
      times[names[i] as string] = new Date(timeAt(row, i)).toISOString();
    const summary: RunSummary = {
      job_id: this.jobId(row),
      args: this.args[row[COL.args] as number] as Args,
      run_id: row[COL.runId] as string,
      state: this.state(row),
      times,
      labels: this.labels[row[COL.labels] as number] as string[],
    };
    const extra = row[COL.extra];
    if (extra !== 0 && typeof extra === 'object') {
      if (extra.expected === true) summary.expected = true;
      if (extra.host !== undefined) summary.host = extra.host;
      if (extra.dependencies !== undefined) summary.dependencies = extra.dependencies;
    }
    return summary;
  }
}

function timeAt(row: CompactRun, i: number): number {
  const t0 = row[COL.t0] as number;
  return i === 0 ? t0 : t0 + (row[COL.t0 + i] as number);
}
