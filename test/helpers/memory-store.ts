/**
 * A RunStore in memory (main/store/run-store.ts), for tests of the engine's core alone: the same batching as
 * SqliteStore (the writes of one event-loop turn commit together; afterCommit callbacks run once they are committed),
 * a `committed` image that survives a "crash" (`crash()` drops what was not committed), and `failing` to make commits
 * fail like a full disk.
 */
import type { RunRecord } from '../../main/store/run-record.js';
import type {
  OutputWrite,
  PendingAction,
  RunStore,
  StoredJob,
  WriteFailure,
} from '../../main/store/run-store.js';
import type { RunLogEntry, SummaryRow } from '../../main/store/statements.js';
import { StoreUnavailableError } from '../../main/store/store-error.js';
import type { StoredOutput } from '../../main/store/output-codec.js';
import { FINISHED_STATES } from '../../shared/model/states.js';

/** What the store holds: the committed image, or the writes of a batch applied over a copy of it. */
interface Image {
  nextRunId: number;
  clock: number;
  runs: Map<string, RunRecord>;
  logs: RunLogEntry[];
  outputs: Map<string, StoredOutput>;
  jobs: Map<string, unknown>;
  actions: Map<string, PendingAction>;
}

function copy(i: Image): Image {
  return {
    nextRunId: i.nextRunId,
    clock: i.clock,
    runs: new Map(i.runs),
    logs: [...i.logs],
    outputs: new Map(i.outputs),
    jobs: new Map(i.jobs),
    actions: new Map(i.actions),
  };
}

const BLOCK = 64;

export class MemoryStore implements RunStore {
  /** What a restart would find. */
  committed: Image;
  private working: Image | null = null;
  private hooks: (() => void)[] = [];
  private nextNumber = 0;
  private limit = 0;
  private failure: WriteFailure | null = null;
  /** While true, commits fail (the writes stay held), as with a full disk. */
  failing = false;
  /** Commits done so far. */
  commits = 0;

  constructor(clockSeconds: number, from?: MemoryStore) {
    this.committed =
      from === undefined
        ? {
            nextRunId: 1,
            clock: clockSeconds,
            runs: new Map(),
            logs: [],
            outputs: new Map(),
            jobs: new Map(),
            actions: new Map(),
          }
        : copy(from.committed);
  }

  private get image(): Image {
    return this.working ?? this.committed;
  }

  private write(): Image {
    if (this.working === null) {
      this.working = copy(this.committed);
      setImmediate(() => this.commit());
    }
    return this.working;
  }

  /** Commits the batch (what SqliteStore does at the end of the turn); retried later while `failing`. */
  commit(): void {
    if (this.working === null) return;
    if (this.failing) {
      this.failure ??= { code: 'SQLITE_FULL', message: 'memory store: failing', since: Date.now() };
      setTimeout(() => this.commit(), 20);
      return;
    }
    this.committed = this.working;
    this.working = null;
    this.failure = null;
    this.commits += 1;
    for (const hook of this.hooks.splice(0)) hook();
  }

  /** A new store as a restart after a crash would find it: only what was committed. */
  crashed(): MemoryStore {
    return new MemoryStore(this.committed.clock, this);
  }

  batch<T>(fn: () => T): T {
    return fn();
  }

  afterCommit(fn: () => void): void {
    if (this.working !== null) this.hooks.push(fn);
    else queueMicrotask(fn);
  }

  whenDurable(fn: () => void): void {
    if (this.failure !== null) fn();
    else this.afterCommit(fn);
  }

  flush(): void {
    this.commit();
    if (this.failure !== null) throw new StoreUnavailableError(this.failure);
  }

  get writeFailure(): WriteFailure | null {
    return this.failure;
  }

  get pendingWrites(): number {
    return this.working === null ? 0 : 1;
  }

  isPendingRun(runId: string): boolean {
    return this.working !== null && this.working.runs.get(runId) !== this.committed.runs.get(runId);
  }

  nextRunId(): string {
    if (this.nextNumber >= this.limit) {
      this.nextNumber = Math.max(this.limit, this.image.nextRunId);
      this.limit = this.nextNumber + BLOCK;
      this.write().nextRunId = this.limit;
    }
    return `r${this.nextNumber++}`;
  }

  reserveRunIds(count: number): string[] {
    return Array.from({ length: count }, () => this.nextRunId());
  }

  upsertRun(run: RunRecord): void {
    this.write().runs.set(run.run_id, structuredClone(run));
  }

  getRun(runId: string): RunRecord | undefined {
    return this.image.runs.get(runId);
  }

  committedRun(runId: string): RunRecord | undefined {
    return this.committed.runs.get(runId);
  }

  loadNewestFinishedSummaries<T>(limit: number, sinceTimestamp: number, make: (row: SummaryRow) => T): T[] {
    const finished = [...this.committed.runs.values()]
      .filter(
        (r) => (FINISHED_STATES as readonly string[]).includes(r.state) && r.timestamp >= sinceTimestamp,
      )
      .sort((a, b) => Number(a.run_id.slice(1)) - Number(b.run_id.slice(1)))
      .slice(-limit);
    return finished.map((r) =>
      make([
        r.run_id,
        r.timestamp,
        r.job_id,
        JSON.stringify(r.args),
        r.state,
        JSON.stringify(r.times),
        JSON.stringify((r.meta['job'] as { labels?: unknown } | undefined)?.labels ?? null),
        JSON.stringify(r.conds),
        hostOf(r.meta),
      ]),
    );
  }

  loadUnfinishedRuns(): RunRecord[] {
    return [...this.committed.runs.values()].filter(
      (r) => !(FINISHED_STATES as readonly string[]).includes(r.state),
    );
  }

  appendRunLog(runId: string, timestamp: number, message: string): void {
    this.write().logs.push({ run_id: runId, timestamp, message });
  }

  appendRunLogs(entries: readonly RunLogEntry[]): void {
    this.write().logs.push(...entries);
  }

  runLog(runId: string, committedOnly = false): RunLogEntry[] {
    return (committedOnly ? this.committed : this.image).logs.filter((e) => e.run_id === runId);
  }

  writeOutput(output: OutputWrite): void {
    const { run_id, output_id, name, content_type, data } = output;
    this.write().outputs.set(`${run_id}/${output_id}`, {
      run_id,
      output_id,
      name,
      content_type,
      length: data.length,
      compression: null,
      data,
    });
  }

  readOutput(runId: string, outputId: string): StoredOutput | undefined {
    return this.image.outputs.get(`${runId}/${outputId}`);
  }

  listOutputs(runId: string): Pick<StoredOutput, 'output_id' | 'name' | 'content_type' | 'length'>[] {
    return [...this.image.outputs.values()]
      .filter((o) => o.run_id === runId)
      .map(({ output_id, name, content_type, length }) => ({ output_id, name, content_type, length }));
  }

  putJob(jobId: string, job: unknown): void {
    this.write().jobs.set(jobId, structuredClone(job));
  }

  allJobs(): StoredJob[] {
    return [...this.image.jobs].map(([job_id, job]) => ({ job_id, job }));
  }

  deleteJob(jobId: string): boolean {
    return this.write().jobs.delete(jobId);
  }

  getClock(): number {
    return this.image.clock;
  }

  setClock(seconds: number): void {
    this.write().clock = seconds;
  }

  addPendingAction(action: PendingAction): void {
    this.write().actions.set(action.key, structuredClone(action));
  }

  removePendingAction(key: string): void {
    this.write().actions.delete(key);
  }

  pendingActions(): PendingAction[] {
    return [...this.image.actions.values()];
  }
}

/** `meta.program.host`, as the SQLite store's summary query reads it. */
function hostOf(meta: Record<string, unknown>): string | null {
  const host = (meta['program'] as { host?: unknown } | undefined)?.host;
  return typeof host === 'string' ? host : null;
}
