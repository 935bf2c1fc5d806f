/**
 * The console's contract with the engine (STYLE.md section 1): requests and live events. The headless server
 * carries it over HTTP + WebSocket; the desktop app over IPC. The renderer talks only to this interface.
 */
import type { JobJson } from '../model/job.js';
import type { Problem } from '../model/problem.js';
import type { RunJson, RunLogEntry, RunSummary } from '../model/run.js';
import type { RunState } from '../model/states.js';

/** One message of the summary stream (SPEC 16.1). */
export type SummaryMessage =
  | { type: 'job'; job: JobJson }
  | { type: 'job_add'; job: JobJson }
  | { type: 'job_delete'; job_id: string }
  | { type: 'job_errors'; errors: Problem[] }
  | { type: 'run_summary'; run_summary: RunSummary }
  | { type: 'run_transition'; run_summary: RunSummary }
  | { type: 'run_delete'; run_id: string };

/** One message of a run stream (SPEC 16.2). */
export interface RunStreamMessage {
  run?: RunSummary;
  meta?: Record<string, unknown>;
  run_log?: RunLogEntry[];
  run_log_append?: RunLogEntry;
  outputs?: Record<string, { name: string; length: number; content_type: string }>;
}

/** One run of the forecast (SPEC 19.8): an entry of `apsis plan --json`, with what the console needs to mark DST. */
export interface PlanEntry {
  /** Schedule time, ISO UTC as `apsis plan --json` writes it. */
  time: string;
  job_id: string;
  /** Args filtered to the job's params, keys sorted. */
  args: Record<string, string>;
  /** UTC offset of the schedule's time zone at `time` (`-05:00`); absent for a schedule without a zone. */
  offset?: string;
  /**
   * `shifted`: the schedule's local time fell in a spring-forward gap and the run was moved forward by the gap;
   * `repeated`: the run's local time occurs twice that day (fall-back overlap), only `offset` tells which.
   */
  dst?: 'shifted' | 'repeated';
}

/** The runs of the next 7 days a reload would add and remove (SPEC 19.8), in plan order. */
export interface PlanDiff {
  from: string;
  to: string;
  added: PlanEntry[];
  removed: PlanEntry[];
  /** Jobs with more differences than listed (at most 1000 runs a job and 20,000 in all, per list). */
  truncated: string[];
}

export interface ReloadResult {
  added: string[];
  removed: string[];
  changed: string[];
  errors: Problem[];
  dry_run: boolean;
  /** With dry_run only. */
  plan_diff?: PlanDiff;
}

export interface ScheduleRequest {
  job_id: string;
  args: Record<string, string>;
  /** "now" or an ISO instant. */
  schedule?: string;
  /** ISO instant or duration. */
  stop?: string;
}

export type Operation = 'start' | 'skip' | 'stop' | 'rerun';

/** Connection state of the live streams, shown in the console. */
export type ConnectionState = 'connecting' | 'open' | 'closed';

export type Unsubscribe = () => void;

export interface ConsoleApi {
  jobs(): Promise<JobJson[]>;
  job(jobId: string): Promise<JobJson>;
  run(runId: string): Promise<RunJson>;
  runLog(runId: string): Promise<RunLogEntry[]>;
  /** The whole output of a run as text (UTF-8, invalid bytes replaced). */
  output(runId: string): Promise<string>;
  schedule(request: ScheduleRequest): Promise<RunJson[]>;
  operate(runId: string, op: Operation): Promise<{ run_id?: string }>;
  signal(runId: string, signal: string): Promise<void>;
  mark(runId: string, state: RunState): Promise<void>;
  /** A dry run also answers `plan_diff`. */
  reload(dryRun: boolean): Promise<ReloadResult>;
  /**
   * The forecast (SPEC 19.8, `GET /api/v1/plan`): the runs the loaded jobs' enabled schedules make in [from, to)
   * (default now and 24 h later, at most 30 days), of every job or of the one `jobId` names (fuzzy).
   */
  plan(from: string | null, to: string | null, jobId: string | null): Promise<PlanEntry[]>;
  stats(): Promise<unknown>;
  statsHistory(
    from: string | null,
    to: string | null,
    step: number | null,
  ): Promise<{ time: number; stats: unknown }[]>;
  /** The stats history as CSV (SPEC 17.5) for the range. */
  statsCsv(from: string | null, to: string | null): Promise<string>;
  /** Summary stream with init; reconnects after drops and calls `onReset` before each new init. */
  subscribeSummary(
    onMessages: (messages: SummaryMessage[]) => void,
    onState: (state: ConnectionState) => void,
    onReset: () => void,
  ): Unsubscribe;
  subscribeRun(runId: string, onMessage: (m: RunStreamMessage) => void): Unsubscribe;
  /** Output bytes from offset `start` as they are written; `onChunk(text, offset)`. */
  subscribeOutput(
    runId: string,
    start: number,
    onChunk: (text: string, end: number) => void,
    onEnd: () => void,
  ): Unsubscribe;
}

/** An error answered by the engine: its message is shown to the operator as it is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
