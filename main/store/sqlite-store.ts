/**
 * The engine's write-through store over one SQLite connection (SPEC 13), statements prepared once. The write batch
 * and its fault handling live in write-batch.ts, the stats history in stats-history.ts, paged run reads in
 * run-pages.ts; SqliteStore puts them together behind one API.
 */
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openDatabase, type OpenOptions } from './db.js';
import { encodeOutput, type StoredOutput } from './output-codec.js';
import { fromRow, runNumber, type RunRecord } from './run-record.js';
import { moveToArchive } from './run-archive.js';
import { collect, runsSincePage, type PageCursor } from './run-pages.js';
import type { OutputWrite, PendingAction, RunStore, StoredJob, WriteFailure } from './run-store.js';
import { sampleWrite, StatsHistory, type StatsCellsRow, type StatsExportPlan } from './stats-history.js';
import { StoreUnavailableError } from './store-error.js';
import { WriteBatch, type Writes } from './write-batch.js';
import type { RunState } from '../../shared/model/states.js';
import {
  prepareStatements,
  type OutputInfo,
  type RunLogEntry,
  type Statements,
  type StatsRow,
  type SummaryRow,
} from './statements.js';

export type { OutputInfo, OutputWrite, PageCursor, RunLogEntry, StatsRow, StoredJob, WriteFailure };
export type { StatsCellsRow, StatsExportPlan };
export { StoreUnavailableError };
export { RETRY_MS } from './write-batch.js';

/** Run numbers are reserved this many at a time (SPEC 11.7). */
export const RUN_ID_BLOCK = 64;

/** Runs, run log, outputs, ad hoc jobs, clock, pending actions and stats history of one database file. */
export class SqliteStore implements RunStore {
  /** Run numbers [nextNumber, limit) are reserved in the database and not handed out yet. */
  private nextNumber = 0;
  private limit = 0;

  private readonly q: Statements;
  private readonly writes: WriteBatch;
  private readonly history: StatsHistory;

  /** Opens `path` (see openDatabase) and wraps it. */
  static open(path: string, options?: OpenOptions): SqliteStore {
    return new SqliteStore(openDatabase(path, options));
  }

  constructor(readonly db: Database.Database) {
    this.q = prepareStatements(db);
    this.history = new StatsHistory(db, this.q, () => this.commitBatch());
    this.writes = new WriteBatch(db, this.q, (time, sample) => this.history.write(time, sample));
  }

  /** The collected writes, not committed yet: reads of this store see them. */
  private get pending(): Writes {
    return this.writes.pending;
  }

  /** The collected writes, with a commit scheduled. */
  private write(): Writes {
    return this.writes.write();
  }

  /**
   * Runs `fn` in one transaction (a savepoint when nested) and returns its result. Writes collected before are
   * committed first (StoreUnavailableError while writes fail); those `fn` makes through this store's methods are
   * committed with it, or dropped with it when it throws.
   */
  transaction<T>(fn: () => T): T {
    return this.writes.transaction(fn);
  }

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

  /**
   * Moves the reservation on by whole blocks. The new `next_run_id` is written with the current batch, so no run
   * with a number from the block can be committed without it: after a crash no number committed before is reused.
   */
  private reserve(needed: number): void {
    if (this.limit === 0) this.limit = this.q.nextRunId.get() ?? 1;
    const size = Math.ceil(needed / RUN_ID_BLOCK) * RUN_ID_BLOCK;
    this.nextNumber = this.limit;
    this.limit += size;
    this.write().nextRunId = this.limit;
  }

  /** Inserts or replaces the run's row (rowid = its number). */
  upsertRun(run: RunRecord): void {
    const rowid = runNumber(run.run_id);
    if (rowid === undefined) throw new RangeError(`not a run ID: ${JSON.stringify(run.run_id)}`);
    // Only the last state of a run in a batch is written: a run that moves several times in one turn costs one row.
    this.write().runs.set(rowid, run);
  }

  /** The stored run, or undefined (also for strings that are not run IDs). */
  getRun(runId: string): RunRecord | undefined {
    const rowid = runNumber(runId);
    if (rowid === undefined) return undefined;
    const pending = this.pending.runs.get(rowid);
    if (pending !== undefined) return pending;
    const row = this.q.getRun.get(rowid);
    return row === undefined ? undefined : fromRow(row);
  }

  /** The run as committed, without writes collected since. */
  committedRun(runId: string): RunRecord | undefined {
    const rowid = runNumber(runId);
    const row = rowid === undefined ? undefined : this.q.getRun.get(rowid);
    return row === undefined ? undefined : fromRow(row);
  }

  /** Whether a write of this run is collected and not committed yet. */
  isPendingRun(runId: string): boolean {
    const rowid = runNumber(runId);
    return rowid !== undefined && this.pending.runs.has(rowid);
  }

  /** Every stored run, or those with `timestamp >= sinceTimestamp`, in run-number order. */
  loadRuns(options: { sinceTimestamp?: number } = {}): RunRecord[] {
    this.commitBatch();
    const since = options.sinceTimestamp;
    return collect(since === undefined ? this.q.allRuns.iterate() : this.q.runsSince.iterate(since));
  }

  /**
   * The `limit` newest finished runs updated since `sinceTimestamp` (epoch s), in run-number order, each made by
   * `make` from its summary columns: what restore keeps of them in memory (JSON columns left as text).
   */
  loadNewestFinishedSummaries<T>(limit: number, sinceTimestamp: number, make: (row: SummaryRow) => T): T[] {
    this.commitBatch();
    // Row by row, so each row's strings are garbage at once instead of 100,000 rows held at the peak.
    const out: T[] = [];
    for (const row of this.q.newestFinishedSummaries.iterate(sinceTimestamp, limit)) out.push(make(row));
    return out.reverse();
  }

  /** Stored runs not in a finished state (restore, SPEC 12.3), through a partial index: cheap with any history. */
  loadUnfinishedRuns(): RunRecord[] {
    this.commitBatch();
    return collect(this.q.unfinishedRuns.iterate());
  }

  /** How many committed runs are in `state` (failure or error) since `since` (epoch s), by their partial index. */
  countEnteredSince(state: 'failure' | 'error', since: number): number {
    return (state === 'failure' ? this.q.countFailuresSince : this.q.countErrorsSince).get(since) ?? 0;
  }

  /**
   * One page of committed runs with `since <= timestamp < before` (epoch s), in (timestamp, run number) order, from
   * `cursor` on (null for the first page); only runs in `state` when given. Through an index for every state; a page
   * is one short statement, so a long walk never holds the connection. `next` is the cursor of the next page, null at
   * the end.
   */
  runsSincePage(
    options: { since: number; before: number; state: RunState | null },
    cursor: PageCursor | null,
    limit: number,
  ): { runs: RunRecord[]; next: PageCursor | null } {
    return runsSincePage(this.q, options, cursor, limit);
  }

  /** The `limit` stored runs of `jobId` with the highest run numbers, newest first. */
  newestRunsOfJob(jobId: string, limit: number): RunRecord[] {
    this.commitBatch();
    return collect(this.q.runsOfJob.iterate(jobId, limit));
  }

  /** Deletes a run with its log and outputs; false when it was never stored (an expected run). */
  deleteRun(runId: string): boolean {
    const rowid = runNumber(runId);
    if (rowid === undefined) return false;
    this.flush();
    return this.transaction(() => {
      this.q.deleteLog.run(runId);
      this.q.deleteOutputs.run(runId);
      return this.q.deleteRun.run(rowid).changes > 0;
    });
  }

  /** Appends one run-log entry. */
  appendRunLog(runId: string, timestamp: number, message: string): void {
    this.write().logs.push({ run_id: runId, timestamp, message });
  }

  /** Appends entries in one transaction (an expected run's log when it leaves `scheduled`). */
  appendRunLogs(entries: readonly RunLogEntry[]): void {
    this.write().logs.push(...entries);
  }

  /** The run's log in time order (insertion order among equal times); `committedOnly`: without collected entries. */
  runLog(runId: string, committedOnly = false): RunLogEntry[] {
    const stored = this.q.runLog.all(runId);
    if (committedOnly || this.pending.logs.length === 0) return stored;
    const pending = this.pending.logs.filter((e) => e.run_id === runId);
    return pending.length === 0 ? stored : [...stored, ...pending].sort((a, b) => a.timestamp - b.timestamp);
  }

  /** Stores a final output, brotli-compressed from 16 KiB (SPEC 11.6); replaces one with the same key. */
  writeOutput(output: OutputWrite): void {
    const { compression, data } = encodeOutput(output.data);
    const { run_id, output_id, name, content_type } = output;
    const stored = { run_id, output_id, name, content_type, length: output.data.length, compression, data };
    this.write().outputs.set(`${run_id}/${output_id}`, stored);
  }

  /** A stored output with its data as stored; `outputBytes()` decompresses it. */
  readOutput(runId: string, outputId: string): StoredOutput | undefined {
    return this.pending.outputs.get(`${runId}/${outputId}`) ?? this.q.getOutput.get(runId, outputId);
  }

  /** Metadata of the run's stored outputs, by output ID. */
  listOutputs(runId: string): OutputInfo[] {
    const list = this.q.listOutputs.all(runId);
    for (const o of this.pending.outputs.values()) {
      if (o.run_id !== runId || list.some((s) => s.output_id === o.output_id)) continue;
      list.push({ output_id: o.output_id, name: o.name, content_type: o.content_type, length: o.length });
    }
    return list;
  }

  /** Stores an ad hoc job as JSON. */
  putJob(jobId: string, job: unknown): void {
    this.write().jobs.set(jobId, JSON.stringify(job));
  }

  /** A stored ad hoc job, parsed, or undefined. */
  getJob(jobId: string): unknown {
    const text = this.pending.jobs.has(jobId) ? this.pending.jobs.get(jobId) : this.q.getJob.get(jobId);
    return text === undefined || text === null ? undefined : JSON.parse(text);
  }

  /** Every stored ad hoc job, by job ID. */
  allJobs(): StoredJob[] {
    const jobs = new Map(this.q.allJobs.all());
    for (const [jobId, job] of this.pending.jobs) {
      if (job === null) jobs.delete(jobId);
      else jobs.set(jobId, job);
    }
    return [...jobs]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([job_id, job]): StoredJob => ({ job_id, job: JSON.parse(job) }));
  }

  /** Deletes an ad hoc job; false when there was none. */
  deleteJob(jobId: string): boolean {
    const existed = this.getJob(jobId) !== undefined;
    this.write().jobs.set(jobId, null);
    return existed;
  }

  /** Records an action to perform, in the current batch (SPEC 19.8). */
  addPendingAction(action: PendingAction): void {
    this.write().actions.set(action.key, action);
  }

  /** Forgets a performed action, in the current batch. */
  removePendingAction(key: string): void {
    this.write().actions.set(key, null);
  }

  /** Actions recorded and not performed, oldest first. */
  pendingActions(): PendingAction[] {
    const out = new Map<string, PendingAction>();
    for (const [key, run_id, action, snapshot] of this.q.pendingActions.all())
      out.set(key, {
        key,
        run_id,
        action: JSON.parse(action) as unknown,
        snapshot: JSON.parse(snapshot) as RunRecord,
      });
    for (const [key, action] of this.pending.actions) {
      if (action === null) out.delete(key);
      else out.set(key, action);
    }
    return [...out.values()];
  }

  /** IDs of stored finished runs last updated before `cutoff` (epoch s), oldest first by row ID (ArchiveProgram). */
  finishedRunIdsBefore(cutoff: number, limit: number): string[] {
    this.commitBatch();
    return this.q.finishedRunIdsBefore.all(cutoff, limit);
  }

  /** Whether any stored run belongs to `jobId`. */
  jobHasRuns(jobId: string): boolean {
    return this.q.jobHasRuns.get(jobId) !== undefined;
  }

  /**
   * Moves the rows of these runs (`runs`, `run_history`, `output`) into the archive database at `path` (created by
   * the caller with ARCHIVE_SCHEMA), in one transaction; refuses, moving nothing, when one of them is there already.
   * Returns the number of rows moved per table.
   */
  archiveRuns(runIds: readonly string[], path: string): Record<'runs' | 'run_history' | 'output', number> {
    this.flush(); // ATTACH is refused inside a transaction
    return moveToArchive(this.db, runIds, path, (fn) => this.transaction(fn));
  }

  /** Runs SQLite VACUUM on the database (VacuumProgram); throws while writes fail. */
  vacuum(): void {
    this.flush();
    this.db.exec('VACUUM');
  }

  /** The persisted clock, epoch seconds (SPEC 12.2). */
  getClock(): number {
    const time = this.pending.clock ?? this.q.getClock.get();
    if (time === undefined) throw new Error(`${this.db.name}: the clock table has no row`);
    return time;
  }

  /** Persists the clock, epoch seconds. */
  setClock(seconds: number): void {
    this.write().clock = seconds;
  }

  /**
   * Stores one stats sample (SPEC 17.3) at `time` epoch seconds, replacing one at the same time; with its shape and
   * CSV cells (schema version 4), from its JSON as stored, so the export shows what the history holds.
   */
  insertStats(time: number, stats: object): void {
    this.write().stats.set(time, sampleWrite(stats));
  }

  /**
   * What a CSV export of the samples with `from <= time < to` reads (SPEC 17.5), or null when there are none: the
   * last sample's time (samples stored later are left out), the shapes of the samples by ID, and whether some have
   * none (stored before schema version 4). Read from indexes only.
   */
  statsExportPlan(from: number, to: number): StatsExportPlan | null {
    return this.history.exportPlan(from, to);
  }

  /**
   * Samples with `from <= time <= last` in time order as [time, shape, cells, json]: json only for a sample without
   * a shape; with `legacyOnly`, only those. Read in pages, like iterateStats.
   */
  iterateStatsCells(
    from: number,
    last: number,
    legacyOnly = false,
  ): Generator<StatsCellsRow, void, undefined> {
    return this.history.cells(from, last, legacyOnly);
  }

  /**
   * Samples with `from <= time < to` in time order. Pages of PAGE rows are read whole, so no statement stays open
   * between pages and the caller may write, or await, while it iterates.
   */
  iterateStats(from = -Infinity, to = Infinity): Generator<StatsRow, void, undefined> {
    return this.history.samples(from, to);
  }

  /** Deletes samples older than `before`, PAGE rows per transaction, yielding to the event loop between batches. */
  pruneStats(before: number): Promise<number> {
    return this.history.prune(before);
  }

  /** Copies the WAL into the database file and truncates it (shutdown, SPEC 12.4); skipped while writes fail. */
  checkpoint(): void {
    this.commitBatch();
    if (this.writes.writeFailure === null) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** For the stats object: `db.size`, bytes of the database file plus its WAL. */
  stats(): { size: number } {
    const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    return { size: size(this.db.name) + size(`${this.db.name}-wal`) };
  }

  // ---- the write batch ------------------------------------------------------------------------------

  /**
   * Runs `fn` inside the engine's current write batch. Writes are collected in memory and committed together in one
   * transaction at the end of the event-loop turn (setImmediate), so the transitions of one turn cost one commit
   * instead of one each, and a run that moves several times in a turn is written once. Reads of this store see
   * the collected writes. Callers that tell the outside world about a change do it through afterCommit().
   */
  batch<T>(fn: () => T): T {
    return this.writes.batch(fn);
  }

  /** Calls `fn` once everything written so far is committed (at once, in a microtask, when nothing is pending). */
  afterCommit(fn: () => void): void {
    this.writes.afterCommit(fn);
  }

  /**
   * Like afterCommit, but at once while the database cannot be written or is closed: for answers to clients, which
   * then wait for what they report to be durable without hanging through an outage.
   */
  whenDurable(fn: () => void): void {
    this.writes.whenDurable(fn);
  }

  /**
   * Commits the collected writes, if any, then runs the after-commit callbacks. When the database cannot be written
   * (disk full, read-only, I/O error, locked), nothing is lost or published: the writes stay collected,
   * `writeFailure` says why, and the commit is retried every RETRY_MS until it succeeds (STYLE.md 2, SPEC 13.3).
   */
  commitBatch(): void {
    this.writes.commitBatch();
  }

  /**
   * Commits now, or throws StoreUnavailableError when the database cannot be written: for work that needs the
   * database itself up to date (archive, vacuum, deletes).
   */
  flush(): void {
    this.writes.flush();
  }

  /** Why writes fail, or null when the last commit succeeded. */
  get writeFailure(): WriteFailure | null {
    return this.writes.writeFailure;
  }

  /** Number of collected writes not committed yet (runs, log entries, outputs, jobs, samples). */
  get pendingWrites(): number {
    return this.writes.pendingWrites;
  }

  /** Called when writes start failing (with the failure) and when they succeed again (with null). */
  get onFault(): ((failure: WriteFailure | null, since: number) => void) | undefined {
    return this.writes.onFault;
  }

  set onFault(fn: ((failure: WriteFailure | null, since: number) => void) | undefined) {
    this.writes.onFault = fn;
  }

  /** Closes the connection and releases the engine lock; idempotent. Writes still failing are reported lost. */
  close(): void {
    this.writes.close();
    if (this.db.open) this.db.close();
  }
}
