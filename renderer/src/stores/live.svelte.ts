/**
 * Everything the summary stream says (SPEC 16.1): jobs, job errors and runs, loaded once by init and kept
 * current by batches. The data lives in a SummaryModel (plain maps and arrays, not deep proxies); `version`
 * tells views that runs changed. Frames are applied once per animation frame, all that came since together, so
 * views redraw once however many frames arrive (an init's chunks, a burst of batches).
 */
import type { ConnectionState, ConsoleApi, SummaryMessage } from '../../../shared/api/console-api.js';
import type { JobJson } from '../../../shared/model/job.js';
import type { Problem } from '../../../shared/model/problem.js';
import type { RunSummary } from '../../../shared/model/run.js';
import type { RunTable } from '../lib/run-table.js';
import { SummaryModel } from '../lib/summary-model.js';

/** An init whose last frame was full ends when no frame follows within this many milliseconds. */
const INIT_PAUSE_MS = 250;
/** Frames are applied at the next animation frame, or after this many milliseconds (a hidden tab has no frames). */
const APPLY_LATEST_MS = 100;

export class LiveStore {
  jobs: Map<string, JobJson> = $state.raw(new Map<string, JobJson>());
  jobErrors: Problem[] = $state.raw([]);
  connection: ConnectionState = $state('connecting');
  /** Bumped whenever runs changed. */
  version = $state(0);
  /** Runs received so far while an init is loading, else null. */
  loadingRuns: number | null = $state(null);
  /** Runs in all of a compact init still loading (those received are shown), else null. */
  loadingTotal: number | null = $state(null);
  private readonly model = new SummaryModel();
  readonly table: RunTable = this.model.table;
  private initTimer: ReturnType<typeof setTimeout> | undefined;
  /** Frames received and not applied yet, in order. */
  private pending: SummaryMessage[][] = [];
  private frameRequest: number | null = null;
  private frameTimer: ReturnType<typeof setTimeout> | undefined;

  /** Hears each run that changes state after the init (alerts). */
  private readonly movers = new Set<(run: RunSummary) => void>();

  constructor(private readonly api: ConsoleApi) {}

  onTransition(listener: (run: RunSummary) => void): () => void {
    this.movers.add(listener);
    return () => this.movers.delete(listener);
  }

  start(): () => void {
    const stop = this.api.subscribeSummary(
      (messages) => this.receive(messages),
      (state) => (this.connection = state),
      () => {
        clearTimeout(this.initTimer);
        // What the old connection sent and was not applied yet is replaced by the new init.
        this.cancelFlush();
        this.pending = [];
        this.model.reset();
        this.jobs = this.model.jobs;
        this.jobErrors = this.model.jobErrors;
        this.loadingRuns = 0;
        this.version += 1;
      },
    );
    return () => {
      clearTimeout(this.initTimer);
      this.cancelFlush();
      this.pending = [];
      stop();
    };
  }

  /** Takes one frame of messages; it is applied with the others of this animation frame. */
  receive(messages: SummaryMessage[]): void {
    this.pending.push(messages);
    if (this.frameRequest !== null) return;
    this.frameRequest = requestAnimationFrame(() => this.flush());
    this.frameTimer = setTimeout(() => this.flush(), APPLY_LATEST_MS);
  }

  private cancelFlush(): void {
    if (this.frameRequest !== null) cancelAnimationFrame(this.frameRequest);
    this.frameRequest = null;
    clearTimeout(this.frameTimer);
  }

  /** Applies the frames received since the last flush. */
  private flush(): void {
    this.cancelFlush();
    const frames = this.pending;
    this.pending = [];
    if (frames.length > 0) this.apply(...frames);
  }

  /** Applies frames of messages, in order, and tells views once. */
  apply(...frames: SummaryMessage[][]): void {
    clearTimeout(this.initTimer);
    let jobs = false;
    let jobErrors = false;
    let runs = false;
    for (const messages of frames) {
      const applied = this.model.apply(messages);
      jobs ||= applied.jobs;
      jobErrors ||= applied.jobErrors;
      runs ||= applied.runs;
      if (this.movers.size > 0)
        for (const m of messages)
          if (m.type === 'run_transition') for (const listener of this.movers) listener(m.run_summary);
    }
    if (jobs) this.jobs = this.model.jobs;
    if (jobErrors) this.jobErrors = this.model.jobErrors;
    this.loadingRuns = this.model.loadingRuns;
    this.loadingTotal = this.model.loadingTotal;
    // A full init whose last frame was full: it ends after a pause (a compact init says which chunk is its last).
    if (this.loadingRuns !== null && this.loadingTotal === null)
      this.initTimer = setTimeout(() => this.finishInit(), INIT_PAUSE_MS);
    if (runs) this.version += 1;
  }

  private finishInit(): void {
    if (!this.model.finishInit()) return;
    this.loadingRuns = null;
    this.loadingTotal = null;
    this.version += 1;
  }

  /**
   * Adds runs read from the database that the stream does not carry (retired from the engine's memory), so a list
   * opened from a count of the database shows every run counted. Runs the console already has are left as they are.
   */
  addRetired(runs: readonly RunSummary[]): void {
    let added = false;
    for (const run of runs)
      if (this.table.get(run.run_id) === undefined) {
        this.table.upsert(run);
        added = true;
      }
    if (added) this.version += 1;
  }

  /** Files with a problem in the latest load. */
  private readonly problemFiles = $derived(new Set(this.jobErrors.map((p) => p.path)));

  /**
   * Whether the job's file failed to load and its previous definition is in force. Read from the latest problem
   * list, which every load sends, rather than the job's `load_error`, which is only sent again with the job.
   */
  loadError(job: JobJson): boolean {
    return job.file !== null && this.problemFiles.has(job.file);
  }

  /** The job's latest run that is not scheduled. */
  lastRunOf(jobId: string): RunSummary | undefined {
    return this.model.lastRunOf(jobId);
  }

  /** Each job's earliest scheduled run time, else its next_time (SPEC 19.2). */
  nextScheduledAll(): Map<string, string | null> {
    return this.model.nextScheduledAll();
  }
}
