/**
 * Everything the summary stream says (SPEC 16.1): jobs, job errors and runs, loaded once by init and kept
 * current by batches. The data lives in a SummaryModel (plain maps and arrays, not deep proxies); `version`
 * tells views that runs changed.
 */
import type { ConnectionState, ConsoleApi, SummaryMessage } from '../../../shared/api/console-api.js';
import type { JobJson } from '../../../shared/model/job.js';
import type { Problem } from '../../../shared/model/problem.js';
import type { RunSummary } from '../../../shared/model/run.js';
import type { RunTable } from '../lib/run-table.js';
import { SummaryModel } from '../lib/summary-model.js';

/** An init whose last frame was full ends when no frame follows within this many milliseconds. */
const INIT_PAUSE_MS = 250;

export class LiveStore {
  jobs: Map<string, JobJson> = $state.raw(new Map<string, JobJson>());
  jobErrors: Problem[] = $state.raw([]);
  connection: ConnectionState = $state('connecting');
  /** Bumped whenever runs changed. */
  version = $state(0);
  /** Runs received so far while an init is loading, else null. */
  loadingRuns: number | null = $state(null);
  private readonly model = new SummaryModel();
  readonly table: RunTable = this.model.table;
  private initTimer: ReturnType<typeof setTimeout> | undefined;

  /** Hears each run that changes state after the init (alerts). */
  private readonly movers = new Set<(run: RunSummary) => void>();

  constructor(private readonly api: ConsoleApi) {}

  onTransition(listener: (run: RunSummary) => void): () => void {
    this.movers.add(listener);
    return () => this.movers.delete(listener);
  }

  start(): () => void {
    const stop = this.api.subscribeSummary(
      (messages) => this.apply(messages),
      (state) => (this.connection = state),
      () => {
        clearTimeout(this.initTimer);
        this.model.reset();
        this.jobs = this.model.jobs;
        this.jobErrors = this.model.jobErrors;
        this.loadingRuns = 0;
        this.version += 1;
      },
    );
    return () => {
      clearTimeout(this.initTimer);
      stop();
    };
  }

  /** Applies one frame of messages. */
  apply(messages: SummaryMessage[]): void {
    clearTimeout(this.initTimer);
    const applied = this.model.apply(messages);
    if (this.movers.size > 0)
      for (const m of messages)
        if (m.type === 'run_transition') for (const listener of this.movers) listener(m.run_summary);
    if (applied.jobs) this.jobs = this.model.jobs;
    if (applied.jobErrors) this.jobErrors = this.model.jobErrors;
    this.loadingRuns = this.model.loadingRuns;
    if (this.loadingRuns !== null) this.initTimer = setTimeout(() => this.finishInit(), INIT_PAUSE_MS);
    if (applied.runs) this.version += 1;
  }

  private finishInit(): void {
    if (!this.model.finishInit()) return;
    this.loadingRuns = null;
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
