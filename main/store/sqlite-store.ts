/** The engine's write-through store over one SQLite connection (SPEC 13), statements prepared once. */
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openDatabase, type OpenOptions } from './db.js';
import { encodeOutput, type StoredOutput } from './output-codec.js';
import { fromRow, runNumber, toRow, type RunRecord, type RunRow } from './run-record.js';
import {
  prepareStatements,
  type OutputInfo,
  type RunLogEntry,
  type Statements,
  type StatsRow,
  type SummaryRow,
} from './statements.js';

export type { OutputInfo, RunLogEntry, StatsRow };

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

/** Run numbers are reserved this many at a time (SPEC 11.7). */
export const RUN_ID_BLOCK = 64;
/** Rows per page of stats reads and per batch of stats deletes. */
const PAGE = 1000;

/** Runs, run log, outputs, ad hoc jobs, clock and stats history of one database file. */
export class SqliteStore {
  /** Run numbers [nextNumber, limit) are reserved in the database and not handed out yet. */
  private nextNumber = 0;
  private limit = 0;

  private readonly q: Statements;

  /** Opens `path` (see openDatabase) and wraps it. */
  static open(path: string, options?: OpenOptions): SqliteStore {
    return new SqliteStore(openDatabase(path, options));
  }

  constructor(readonly db: Database.Database) {
    this.q = prepareStatements(db);
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  /** Runs `fn` in one transaction (a savepoint when nested) and returns its result. */
  transaction<T>(fn: () => T): T {
    return this.runInTransaction(fn) as T;
  }

  // Built once: db.transaction() prepares its BEGIN/COMMIT statements, too costly per engine step.
  private readonly runInTransaction: (fn: () => unknown) => unknown;

  /** A new run ID `r<N>`; numbers come from blocks of RUN_ID_BLOCK reserved in `next_run_id` (SPEC 11.7). */
  nextRunId(): string {
    if (this.nextNumber >= this.limit) this.reserve(1);
    return `r${this.nextNumber++}`;
  }

  /** `count` new run IDs, reserving as many blocks as they need at once. */
  reserveRunIds(count: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      if (this.nextNumber >= this.limit) this.reserve(count - i);
      ids.push(`r${this.nextNumber++}`);
    }
    return ids;
  }

  private reserve(needed: number): void {
    const size = Math.ceil(needed / RUN_ID_BLOCK) * RUN_ID_BLOCK;
    const first = this.transaction(() => {
      // Never below our own limit: a reservation rolled back with an enclosing transaction still handed out IDs.
      const number = Math.max(this.q.nextRunId.get() ?? 1, this.limit);
      this.q.setNextRunId.run(number + size);
      return number;
    });
    this.nextNumber = first;
    this.limit = first + size;
  }

  /** Inserts or replaces the run's row (rowid = its number). */
  upsertRun(run: RunRecord): void {
    this.q.upsertRun.run(...toRow(run));
  }

  /** The stored run, or undefined (also for strings that are not run IDs). */
  getRun(runId: string): RunRecord | undefined {
    const rowid = runNumber(runId);
    const row = rowid === undefined ? undefined : this.q.getRun.get(rowid);
    return row === undefined ? undefined : fromRow(row);
  }

  /** Every stored run, or those with `timestamp >= sinceTimestamp`, in run-number order. */
  loadRuns(options: { sinceTimestamp?: number } = {}): RunRecord[] {
    const since = options.sinceTimestamp;
    return collect(since === undefined ? this.q.allRuns.iterate() : this.q.runsSince.iterate(since));
  }

  /**
   * The `limit` newest finished runs updated since `sinceTimestamp` (epoch s), in run-number order, each made by
   * `make` from its summary columns: what restore keeps of them in memory (JSON columns left as text).
   */
  loadNewestFinishedSummaries<T>(limit: number, sinceTimestamp: number, make: (row: SummaryRow) => T): T[] {
    // Row by row, so each row's strings are garbage at once instead of 100,000 rows held at the peak.
    const out: T[] = [];
    for (const row of this.q.newestFinishedSummaries.iterate(sinceTimestamp, limit)) out.push(make(row));
    return out.reverse();
  }

  /** Stored runs not in a finished state (restore, SPEC 12.3), through a partial index: cheap with any history. */
  loadUnfinishedRuns(): RunRecord[] {
    return collect(this.q.unfinishedRuns.iterate());
  }

  /** The `limit` stored runs of `jobId` with the highest run numbers, newest first. */
  newestRunsOfJob(jobId: string, limit: number): RunRecord[] {
    return collect(this.q.runsOfJob.iterate(jobId, limit));
  }

  /** Deletes a run with its log and outputs; false when it was never stored (an expected run). */
  deleteRun(runId: string): boolean {
    const rowid = runNumber(runId);
    if (rowid === undefined) return false;
    return this.transaction(() => {
      this.q.deleteLog.run(runId);
      this.q.deleteOutputs.run(runId);
      return this.q.deleteRun.run(rowid).changes > 0;
    });
  }

  /** Appends one run-log entry. */
  appendRunLog(runId: string, timestamp: number, message: string): void {
    this.q.appendLog.run(runId, timestamp, message);
  }

  /** Appends entries in one transaction (an expected run's log when it leaves `scheduled`). */
  appendRunLogs(entries: readonly RunLogEntry[]): void {
    this.transaction(() => {
      for (const e of entries) this.q.appendLog.run(e.run_id, e.timestamp, e.message);
    });
  }

  /** The run's log in time order (insertion order among equal times). */
  runLog(runId: string): RunLogEntry[] {
    return this.q.runLog.all(runId);
  }

  /** Stores a final output, brotli-compressed from 16 KiB (SPEC 11.6); replaces one with the same key. */
  writeOutput(output: OutputWrite): void {
    const { compression, data } = encodeOutput(output.data);
    const { run_id, output_id, name, content_type } = output;
    this.q.upsertOutput.run(run_id, output_id, name, content_type, output.data.length, compression, data);
  }

  /** A stored output with its data as stored; `outputBytes()` decompresses it. */
  readOutput(runId: string, outputId: string): StoredOutput | undefined {
    return this.q.getOutput.get(runId, outputId);
  }

  /** Metadata of the run's stored outputs, by output ID. */
  listOutputs(runId: string): OutputInfo[] {
    return this.q.listOutputs.all(runId);
  }

  /** Stores an ad hoc job as JSON. */
  putJob(jobId: string, job: unknown): void {
    this.q.putJob.run(jobId, JSON.stringify(job));
  }

  /** A stored ad hoc job, parsed, or undefined. */
  getJob(jobId: string): unknown {
    const text = this.q.getJob.get(jobId);
    return text === undefined ? undefined : JSON.parse(text);
  }

  /** Every stored ad hoc job, by job ID. */
  allJobs(): StoredJob[] {
    return this.q.allJobs.all().map(([job_id, job]): StoredJob => ({ job_id, job: JSON.parse(job) }));
  }

  /** Deletes an ad hoc job; false when there was none. */
  deleteJob(jobId: string): boolean {
    return this.q.deleteJob.run(jobId).changes > 0;
  }

  /** The persisted clock, epoch seconds (SPEC 12.2). */
  getClock(): number {
    const time = this.q.getClock.get();
    if (time === undefined) throw new Error(`${this.db.name}: the clock table has no row`);
    return time;
  }

  /** Persists the clock, epoch seconds. */
  setClock(seconds: number): void {
    this.q.setClock.run(seconds);
  }

  /** Stores one stats sample (SPEC 17.3) at `time` epoch seconds, replacing one at the same time. */
  insertStats(time: number, stats: object): void {
    this.q.insertStats.run(time, JSON.stringify(stats));
  }

  /**
   * Samples with `from <= time < to` in time order. Pages of PAGE rows are read whole, so no statement stays open
   * between pages and the caller may write, or await, while it iterates.
   */
  *iterateStats(from = -Infinity, to = Infinity): Generator<StatsRow, void, undefined> {
    let page = this.q.statsFrom.all(from, to, PAGE);
    for (;;) {
      yield* page;
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) return;
      page = this.q.statsAfter.all(last.time, to, PAGE);
    }
  }

  /** Deletes samples older than `before`, PAGE rows per transaction, yielding to the event loop between batches. */
  async pruneStats(before: number): Promise<number> {
    let deleted = 0;
    while (this.db.open) {
      const { changes } = this.q.pruneStats.run(before, PAGE);
      deleted += changes;
      if (changes < PAGE) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return deleted;
  }

  /** Copies the WAL into the database file and truncates it (shutdown, SPEC 12.4). */
  checkpoint(): void {
    this.commitBatch();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** For the stats object: `db.size`, bytes of the database file plus its WAL. */
  stats(): { size: number } {
    const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    return { size: size(this.db.name) + size(`${this.db.name}-wal`) };
  }

  /** Closes the connection and releases the engine lock; idempotent. */
  /**
   * Runs `fn` inside the engine's current write batch: the first write of an event-loop turn opens a transaction
   * that commits at the end of the turn (setImmediate), so the transitions of one turn cost one commit instead of
   * one each. Callers that tell the outside world about a change do it through afterCommit().
   */
  batch<T>(fn: () => T): T {
    if (!this.batchOpen && this.db.open) {
      this.db.exec('BEGIN');
      this.batchOpen = true;
      setImmediate(() => this.commitBatch());
    }
    return fn();
  }

  /** Calls `fn` once everything written so far is committed (at once, in a microtask, when nothing is pending). */
  afterCommit(fn: () => void): void {
    if (this.batchOpen) this.commitHooks.push(fn);
    else queueMicrotask(fn);
  }

  /** Commits the open batch, if any, then runs the after-commit callbacks. */
  commitBatch(): void {
    if (!this.batchOpen) return;
    this.batchOpen = false;
    if (this.db.open && this.db.inTransaction) this.db.exec('COMMIT');
    const hooks = this.commitHooks;
    this.commitHooks = [];
    for (const hook of hooks) hook();
  }

  private batchOpen = false;
  private commitHooks: (() => void)[] = [];

  close(): void {
    this.commitBatch();
    if (this.db.open) this.db.close();
  }
}

function collect(rows: Iterable<RunRow>): RunRecord[] {
  const runs: RunRecord[] = [];
  for (const row of rows) runs.push(fromRow(row));
  return runs;
}
