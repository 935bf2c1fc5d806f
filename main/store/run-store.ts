/**
 * What the engine's core (engine, waiter, scheduler, restore, retire, actions) needs of its store (STYLE.md 2: a
 * write-through store). SqliteStore is the product's; tests of the core alone may use an in-memory one
 * (test/helpers/memory-store.ts) with the same batching rules: writes of one event-loop turn commit together, and
 * `afterCommit` callbacks run once they are committed.
 */
import type { StoredOutput } from './output-codec.js';
import type { RunRecord } from './run-record.js';
import type { RunLogEntry, SummaryRow } from './statements.js';

/** A final output to store; `data` uncompressed. */
export interface OutputWrite {
  run_id: string;
  output_id: string;
  name: string;
  content_type: string;
  data: Buffer;
}

/** An ad hoc job (SPEC 10.4) as stored. */
export interface StoredJob {
  job_id: string;
  job: unknown;
}

/**
 * An action fired by a transition and not performed yet (SPEC 19.8: at least once). It is recorded in the commit of
 * its transition and deleted in the commit of its effect (for a schedule action, the commit that records the run it
 * made), so after a crash it is performed again exactly when its effect was not recorded.
 */
export interface PendingAction {
  /** `RUN/STATE/TIME_MS/INDEX`: the run, the transition and the action's place in the run's list. */
  key: string;
  run_id: string;
  /** The action as the run holds it (unbound). */
  action: unknown;
  /** The run as it was at the transition, as stored (the action works on this snapshot, SPEC 9.1). */
  snapshot: RunRecord;
}

/** Why the database cannot be written, for the operator. */
export interface WriteFailure {
  /** SQLite's extended error code, e.g. SQLITE_FULL. */
  code: string;
  /** What failed, on which file, and the way on. */
  message: string;
  /** Epoch ms of the first failed commit of this outage. */
  since: number;
}

export interface RunStore {
  /** Runs `fn` in the current write batch (committed at the end of the event-loop turn); returns its result. */
  batch<T>(fn: () => T): T;
  /** Calls `fn` once everything written so far is committed. */
  afterCommit(fn: () => void): void;
  /** Like afterCommit, but at once while the database cannot be written or is closed (answers to clients). */
  whenDurable(fn: () => void): void;
  /** Commits the collected writes now, or throws StoreUnavailableError while writes fail. */
  flush(): void;
  /** Why writes fail, or null. */
  readonly writeFailure: WriteFailure | null;
  /** Collected writes not committed yet. */
  readonly pendingWrites: number;
  /** Whether a write of this run is collected and not committed yet. */
  isPendingRun(runId: string): boolean;

  nextRunId(): string;
  /** `count` new run IDs at once. */
  reserveRunIds(count: number): string[];
  upsertRun(run: RunRecord): void;
  /** The run as stored, pending writes included; undefined when never stored. */
  getRun(runId: string): RunRecord | undefined;
  /** The run as committed in the database, without pending writes. */
  committedRun(runId: string): RunRecord | undefined;
  loadNewestFinishedSummaries<T>(limit: number, sinceTimestamp: number, make: (row: SummaryRow) => T): T[];
  loadUnfinishedRuns(): RunRecord[];

  appendRunLog(runId: string, timestamp: number, message: string): void;
  appendRunLogs(entries: readonly RunLogEntry[]): void;
  /** The run's log in time order; `committedOnly` leaves out entries not committed yet. */
  runLog(runId: string, committedOnly?: boolean): RunLogEntry[];

  writeOutput(output: OutputWrite): void;
  readOutput(runId: string, outputId: string): StoredOutput | undefined;
  listOutputs(runId: string): Pick<StoredOutput, 'output_id' | 'name' | 'content_type' | 'length'>[];

  putJob(jobId: string, job: unknown): void;
  allJobs(): StoredJob[];
  deleteJob(jobId: string): boolean;

  getClock(): number;
  setClock(seconds: number): void;

  /** Records an action to perform (in the current batch). */
  addPendingAction(action: PendingAction): void;
  /** Forgets a performed action (in the current batch). */
  removePendingAction(key: string): void;
  /** Actions recorded and not performed, oldest first (restart, SPEC 19.8). */
  pendingActions(): PendingAction[];
}
