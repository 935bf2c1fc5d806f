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

export interface ReloadResult {
  added: string[];
  removed: string[];
  changed: string[];
  errors: Problem[];
  dry_run: boolean;
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
  reload(dryRun: boolean): Promise<ReloadResult>;
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
