/**
 * The store's write batch (STYLE.md 2, SPEC 13.3): writes collected in memory and committed together at the end of
 * the event-loop turn, the callbacks that wait for a commit, and what happens when the database cannot be written
 * (the failure as the operator reads it, the writes kept, the commit retried).
 */
import type Database from 'better-sqlite3';
import type { StoredOutput } from './output-codec.js';
import { toRow, type RunRecord } from './run-record.js';
import type { PendingAction, WriteFailure } from './run-store.js';
import type { RunLogEntry, Statements } from './statements.js';
import type { SampleWrite } from './stats-history.js';
import { StoreUnavailableError } from './store-error.js';

/** How often a failed commit is retried. */
export const RETRY_MS = 2000;

/** Writes collected for the next commit. */
export interface Writes {
  nextRunId: number | undefined;
  runs: Map<number, RunRecord>;
  logs: RunLogEntry[];
  outputs: Map<string, StoredOutput>;
  /** JSON text, or null for a delete. */
  jobs: Map<string, string | null>;
  clock: number | undefined;
  stats: Map<number, SampleWrite>;
  /** Pending actions to record, or null to delete. */
  actions: Map<string, PendingAction | null>;
}

export function emptyWrites(): Writes {
  return {
    nextRunId: undefined,
    runs: new Map(),
    logs: [],
    outputs: new Map(),
    jobs: new Map(),
    clock: undefined,
    stats: new Map(),
    actions: new Map(),
  };
}

/** Errors of the file or the disk rather than of our SQL: worth retrying, since they pass when the cause is fixed. */
export function isStorageFault(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return /^SQLITE_(FULL|IOERR|READONLY|BUSY|LOCKED|CANTOPEN|NOMEM|PROTOCOL|NOLFS)/.test(code);
}

/** What failed on `file`, and the way on, for the operator. */
export function describeFault(file: string, code: string | undefined, message: string | undefined): string {
  const what = message ?? code ?? 'unknown error';
  const how =
    code === 'SQLITE_FULL'
      ? 'free space on its disk'
      : code?.startsWith('SQLITE_READONLY') === true
        ? 'make the file and its folder writable'
        : code?.startsWith('SQLITE_BUSY') === true || code?.startsWith('SQLITE_LOCKED') === true
          ? 'stop the program that holds it locked'
          : 'check the disk and the file';
  return (
    `cannot write ${file}: ${what} (${code ?? 'error'}); ${how}. ` +
    `Changes are kept in memory and written when it succeeds again`
  );
}

/** The collected writes of one connection and their commit; SqliteStore's batch methods are these. */
export class WriteBatch {
  /** Called when writes start failing (with the failure) and when they succeed again (with null). */
  onFault: ((failure: WriteFailure | null, since: number) => void) | undefined;

  private batchOpen = false;
  private commitHooks: (() => void)[] = [];
  private collected: Writes = emptyWrites();
  private failure: WriteFailure | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  // Built once: db.transaction() prepares its BEGIN/COMMIT statements, too costly per engine step.
  private readonly runInTransaction: (fn: () => unknown) => unknown;

  /** `writeSample` writes one collected stats sample inside the commit's transaction. */
  constructor(
    private readonly db: Database.Database,
    private readonly q: Statements,
    private readonly writeSample: (time: number, sample: SampleWrite) => void,
  ) {
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  /** The writes collected and not committed yet, for reads that must see them. */
  get pending(): Writes {
    return this.collected;
  }

  /** See SqliteStore.transaction. */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return this.runInTransaction(fn) as T;
    this.flush();
    let result: T;
    try {
      result = this.runInTransaction(() => {
        const r = fn();
        this.writeStatements();
        return r;
      }) as T;
    } catch (e) {
      this.collected = emptyWrites();
      throw e;
    }
    this.committed();
    return result;
  }

  /** See SqliteStore.batch. */
  batch<T>(fn: () => T): T {
    this.open();
    return fn();
  }

  /** See SqliteStore.afterCommit. */
  afterCommit(fn: () => void): void {
    if (this.batchOpen) this.commitHooks.push(fn);
    else queueMicrotask(fn);
  }

  /** See SqliteStore.whenDurable. */
  whenDurable(fn: () => void): void {
    if (this.failure !== null || !this.db.open) fn();
    else this.afterCommit(fn);
  }

  /** See SqliteStore.commitBatch. */
  commitBatch(): void {
    if (!this.batchOpen) return;
    if (this.db.open) {
      try {
        this.writeCollected();
      } catch (e) {
        if (!isStorageFault(e)) throw e;
        this.fail(e);
        return;
      }
    }
    this.committed();
  }

  /** See SqliteStore.flush. */
  flush(): void {
    this.commitBatch();
    if (this.failure !== null) throw new StoreUnavailableError(this.failure);
  }

  /** Why writes fail, or null when the last commit succeeded. */
  get writeFailure(): WriteFailure | null {
    return this.failure;
  }

  /** Number of collected writes not committed yet (runs, log entries, outputs, jobs, samples). */
  get pendingWrites(): number {
    const p = this.collected;
    return p.runs.size + p.logs.length + p.outputs.size + p.jobs.size + p.stats.size + p.actions.size;
  }

  /** The collected writes, with a commit scheduled. */
  write(): Writes {
    this.open();
    return this.collected;
  }

  /** Commits what it can and stops retrying: before the connection closes. */
  close(): void {
    this.commitBatch();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** After a successful commit: clear, note a recovery, run the after-commit callbacks. */
  private committed(): void {
    this.batchOpen = false;
    this.collected = emptyWrites();
    if (this.failure !== null) {
      const { since } = this.failure;
      this.failure = null;
      if (this.retryTimer !== null) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.onFault?.(null, since);
    }
    const hooks = this.commitHooks;
    this.commitHooks = [];
    for (const hook of hooks) hook();
  }

  private open(): void {
    if (this.batchOpen || !this.db.open) return;
    this.batchOpen = true;
    setImmediate(() => {
      if (this.failure === null) this.commitBatch();
    });
  }

  private writeCollected(): void {
    this.db.exec('BEGIN');
    try {
      this.writeStatements();
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // The connection rolls back by itself when it cannot; the writes are still collected.
      }
      throw e;
    }
  }

  private writeStatements(): void {
    const p = this.collected;
    const q = this.q;
    if (p.nextRunId !== undefined) q.setNextRunId.run(p.nextRunId);
    for (const [rowid, run] of p.runs) q.upsertRun.run(...toRow(run, rowid));
    for (const e of p.logs) q.appendLog.run(e.run_id, e.timestamp, e.message);
    for (const o of p.outputs.values())
      q.upsertOutput.run(o.run_id, o.output_id, o.name, o.content_type, o.length, o.compression, o.data);
    for (const [jobId, job] of p.jobs) {
      if (job === null) q.deleteJob.run(jobId);
      else q.putJob.run(jobId, job);
    }
    if (p.clock !== undefined) q.setClock.run(p.clock);
    for (const [time, sample] of p.stats) this.writeSample(time, sample);
    for (const [key, a] of p.actions) {
      if (a === null) q.deletePendingAction.run(key);
      else q.putPendingAction.run(key, a.run_id, JSON.stringify(a.action), JSON.stringify(a.snapshot));
    }
  }

  private fail(e: unknown): void {
    const error = e as { code?: string; message?: string };
    const first = this.failure === null;
    this.failure = {
      code: error.code ?? 'SQLITE_ERROR',
      message: describeFault(this.db.name, error.code, error.message),
      since: this.failure?.since ?? Date.now(),
    };
    if (first) this.onFault?.(this.failure, this.failure.since);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.commitBatch();
    }, RETRY_MS);
  }
}
