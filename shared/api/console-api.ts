/**
 * The console's contract with the engine (STYLE.md section 1): requests and live events. The headless server
 * carries it over HTTP + WebSocket; the desktop app over IPC. The renderer talks only to this interface.
 */
import type { JobJson } from '../model/job.js';
import type { Problem } from '../model/problem.js';
import type { RunJson, RunLogEntry, RunSummary } from '../model/run.js';
import type { RunState } from '../model/states.js';
import type { RunSummariesMessage } from './compact-runs.js';

/** One message of the summary stream (SPEC 16.1). */
export type SummaryMessage =
  | { type: 'job'; job: JobJson }
  | { type: 'job_add'; job: JobJson }
  | { type: 'job_delete'; job_id: string }
  | { type: 'job_errors'; errors: Problem[] }
  | { type: 'run_summary'; run_summary: RunSummary }
  | { type: 'run_transition'; run_summary: RunSummary }
  | { type: 'run_delete'; run_id: string }
  /** Only in an init asked for with `compact=1`, instead of `run_summary` messages. */
  | RunSummariesMessage;

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

/**
 * A filter of the run list (GET /api/v1/runs): each given field must hold. Runs retired from memory are included when
 * `since` is given, so a count from the database and the list it opens agree (SPEC 19.8).
 */
export interface RunFilter {
  /** Fuzzy, as elsewhere (SPEC 15.1). */
  job_id?: string;
  /** One state, or any of several. */
  state?: RunState | RunState[];
  /** The run's last transition at or after this ISO time. */
  since?: string;
  /** The run's last transition before this ISO time. */
  before?: string;
  /** A stop time (`times.stop`) before this ISO time. */
  stop_before?: string;
  run_ids?: string[];
  /** Every given arg must be equal. */
  args?: Record<string, string>;
}

/** The windows of the attention counts (SPEC 19.8). */
export const ATTENTION_WINDOWS = ['1h', '24h', '7d'] as const;
export type AttentionWindow = (typeof ATTENTION_WINDOWS)[number];

/**
 * What needs a person (SPEC 19.8, GET /api/v1/attention), with the filter that opens exactly what each count counts:
 * a RunFilter for runs, the files for load errors, the hosts for unreachable hosts.
 */
export interface Attention {
  window: AttentionWindow;
  /** Start of the window (now less the window), ISO. */
  since: string;
  /** When the counts were taken, ISO. */
  now: string;
  /** Runs that entered failure in the window (and are still in failure), from the database. */
  failures: number;
  /** Runs that entered error in the window, from the database. */
  errors: number;
  /** Runs still running or stopping after their stop time. */
  overdue: number;
  /** Runs waiting longer than `waiting.warn_after` (0 when that setting is null). */
  waiting_long: number;
  /** Remote hosts known unreachable (SPEC 24.3): their agent session is down. */
  unreachable_hosts: number;
  /** Job files that do not load. */
  load_errors: number;
  /** `waiting.warn_after` in seconds, or null. */
  warn_after: number | null;
  filters: {
    failures: RunFilter;
    errors: RunFilter;
    overdue: RunFilter;
    waiting_long: RunFilter | null;
    unreachable_hosts: { hosts: string[] };
    load_errors: { files: string[] };
  };
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
  /** Run summaries passing the filter, from memory and, with `since`, from the database (GET /api/v1/runs). */
  runs(filter: RunFilter): Promise<RunSummary[]>;
  /** What needs a person in the window (default 1h), each count with the filter that opens it (SPEC 19.8). */
  attention(window: AttentionWindow | null): Promise<Attention>;
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
