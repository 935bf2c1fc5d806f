/** Run JSON shapes of the API (SPEC 15.2). Times are ISO strings on the wire. */
import type { RunState } from './states.js';

export type Args = Record<string, string>;

/** Run summary: what lists and the summary stream carry. */
export interface RunSummary {
  job_id: string;
  args: Args;
  run_id: string;
  state: RunState;
  times: Record<string, string>;
  labels: string[];
  expected?: true;
  /** [job_id, args] of each bound dependency condition. */
  dependencies?: [string, Args][];
  /** The remote host the run's process runs or ran on (SPEC 24.1), once started there. */
  host?: string;
}

/** A whole run: the summary plus its bound conditions, actions, meta and program. */
export interface RunJson extends RunSummary {
  conds: (Record<string, unknown> & { str: string })[];
  actions: Record<string, unknown>[];
  meta: Record<string, unknown>;
  program: (Record<string, unknown> & { str: string }) | null;
}

/** `{when, runs}`: a run collection (SPEC 15.2). */
export interface RunCollection<T = RunJson> {
  when: string;
  runs: Record<string, T>;
}

export interface RunLogEntry {
  run_id?: string;
  timestamp: string;
  message: string;
}
