/**
 * Everything the summary stream says (SPEC 16.1): jobs, job errors and runs, loaded once by init and kept
 * current by batches. Runs live in a RunTable (plain arrays, not deep proxies); `version` tells views to redraw.
 */
import type { ConnectionState, ConsoleApi, SummaryMessage } from '../../../shared/api/console-api.js';
import type { JobJson } from '../../../shared/model/job.js';
import type { Problem } from '../../../shared/model/problem.js';
import type { RunSummary } from '../../../shared/model/run.js';
import { RunTable } from '../lib/run-table.js';

export class LiveStore {
  jobs: Map<string, JobJson> = $state.raw(new Map<string, JobJson>());
  jobErrors: Problem[] = $state.raw([]);
  connection: ConnectionState = $state('connecting');
  /** Bumped after every applied batch. */
  version = $state(0);
  readonly table = new RunTable();
  /** Latest run per job (by sort time), for job lists. */
  private lastRun = new Map<string, RunSummary>();
  private initRuns: RunSummary[] | null = null;

  constructor(private readonly api: ConsoleApi) {}

  start(): () => void {
    return this.api.subscribeSummary(
      (messages) => this.apply(messages),
      (state) => (this.connection = state),
      () => {
        this.jobs = new Map();
        this.jobErrors = [];
        this.lastRun = new Map();
        this.initRuns = [];
        this.table.reset([]);
      },
    );
  }

  /** Applies one frame of messages. */
  apply(messages: SummaryMessage[]): void {
    let jobs: Map<string, JobJson> | null = null;
    const editJobs = (): Map<string, JobJson> => (jobs ??= new Map(this.jobs));
    for (const m of messages) {
      switch (m.type) {
        case 'job':
        case 'job_add':
          editJobs().set(m.job.job_id, m.job);
          break;
        case 'job_delete':
          editJobs().delete(m.job_id);
          break;
        case 'job_errors':
          this.jobErrors = m.errors;
          break;
        case 'run_summary':
          // Init frames: collect and sort once instead of inserting one by one.
          if (this.initRuns !== null) this.initRuns.push(m.run_summary);
          else this.table.upsert(m.run_summary);
          this.noteLast(m.run_summary);
          break;
        case 'run_transition':
          this.flushInit();
          this.table.upsert(m.run_summary);
          this.noteLast(m.run_summary);
          break;
        case 'run_delete':
          this.flushInit();
          this.table.remove(m.run_id);
          break;
      }
    }
    this.flushInit();
    if (jobs !== null) this.jobs = jobs;
    this.version += 1;
  }

  private flushInit(): void {
    if (this.initRuns === null) return;
    this.table.reset(this.initRuns);
    this.initRuns = null;
  }

  private noteLast(run: RunSummary): void {
    if (run.state === 'scheduled' || run.state === 'new') return;
    const prev = this.lastRun.get(run.job_id);
    const t = (r: RunSummary): string => r.times['schedule'] ?? r.times['running'] ?? '';
    if (prev === undefined || prev.run_id === run.run_id || t(run) >= t(prev))
      this.lastRun.set(run.job_id, run);
  }

  /** The job's latest non-scheduled run. */
  lastRunOf(jobId: string): RunSummary | undefined {
    return this.lastRun.get(jobId);
  }

  /** Each job's earliest scheduled run time, else its next_time (SPEC 19.2), in one pass over the runs. */
  nextScheduledAll(): Map<string, string | null> {
    const out = new Map<string, string | null>();
    for (const row of this.table.values()) {
      const r = row.run;
      if (r.state !== 'scheduled') continue;
      const t = r.times['schedule'];
      const best = out.get(r.job_id);
      if (t !== undefined && (best === undefined || best === null || t < best)) out.set(r.job_id, t);
    }
    for (const [id, job] of this.jobs) if (!out.has(id)) out.set(id, job.next_time);
    return out;
  }
}
