/**
 * What the summary stream says (SPEC 16.1) as plain data: jobs, job errors and runs. The runs of an init are gathered
 * as their frames arrive and loaded with one sort when the init ends, instead of inserted one by one, and views
 * redraw once for the whole init rather than once per frame. Gathering is kept cheap on purpose: measured in
 * Chromium, indexing each frame as it came slowed the whole init (about 1.09 s against 0.94 s for 100,000 runs),
 * the frames arriving more slowly while the page was busy with the last one.
 */
import type { SummaryMessage } from '../../../shared/api/console-api.js';
import type { JobJson } from '../../../shared/model/job.js';
import type { Problem } from '../../../shared/model/problem.js';
import type { RunSummary } from '../../../shared/model/run.js';
import { RunTable } from './run-table.js';

/** The server sends at most this many messages per frame (SPEC 16.1): a full init frame may be followed by more. */
export const FRAME_MESSAGES = 4096;

/** What one `apply` changed. */
export interface Applied {
  /** `jobs` is a new map. */
  jobs: boolean;
  /** `jobErrors` is a new list. */
  jobErrors: boolean;
  /** Runs changed (false while an init is still gathering). */
  runs: boolean;
}

export class SummaryModel {
  /** Replaced (never mutated) when a job changes. */
  jobs = new Map<string, JobJson>();
  jobErrors: Problem[] = [];
  readonly table = new RunTable();
  /** Latest run per job (by sort time), for job lists. */
  private lastRun = new Map<string, RunSummary>();
  /** Runs of an init still arriving; null outside an init. */
  private initRuns: RunSummary[] | null = null;

  /** A new init starts (a fresh connection): everything is replaced by what follows. */
  reset(): void {
    this.jobs = new Map();
    this.jobErrors = [];
    this.lastRun = new Map();
    this.initRuns = [];
    this.table.reset([]);
  }

  /** Runs received so far by an init in progress, else null. */
  get loadingRuns(): number | null {
    return this.initRuns === null ? null : this.initRuns.length;
  }

  /** Applies one frame of messages. */
  apply(messages: readonly SummaryMessage[]): Applied {
    let jobs: Map<string, JobJson> | null = null;
    const editJobs = (): Map<string, JobJson> => (jobs ??= new Map(this.jobs));
    const applied: Applied = { jobs: false, jobErrors: false, runs: false };
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
          applied.jobErrors = true;
          break;
        case 'run_summary':
          if (this.initRuns !== null) this.initRuns.push(m.run_summary);
          else {
            this.table.upsert(m.run_summary);
            applied.runs = true;
          }
          this.noteLast(m.run_summary);
          break;
        case 'run_transition':
          applied.runs = this.finishInit() || applied.runs;
          this.table.upsert(m.run_summary);
          this.noteLast(m.run_summary);
          applied.runs = true;
          break;
        case 'run_delete':
          applied.runs = this.finishInit() || applied.runs;
          this.table.remove(m.run_id);
          applied.runs = true;
          break;
      }
    }
    if (jobs !== null) {
      this.jobs = jobs;
      applied.jobs = true;
    }
    // A shorter frame ends the init; after a full one, more frames may follow (or finishInit() after a pause).
    if (messages.length < FRAME_MESSAGES) applied.runs = this.finishInit() || applied.runs;
    return applied;
  }

  /** Loads the runs gathered by an init in progress; false when there is none. */
  finishInit(): boolean {
    if (this.initRuns === null) return false;
    this.table.reset(this.initRuns);
    this.initRuns = null;
    return true;
  }

  private noteLast(run: RunSummary): void {
    if (run.state === 'scheduled' || run.state === 'new') return;
    const prev = this.lastRun.get(run.job_id);
    const t = (r: RunSummary): string => r.times['schedule'] ?? r.times['running'] ?? '';
    if (prev === undefined || prev.run_id === run.run_id || t(run) >= t(prev))
      this.lastRun.set(run.job_id, run);
  }

  /** The job's latest run that is not scheduled. */
  lastRunOf(jobId: string): RunSummary | undefined {
    return this.lastRun.get(jobId);
  }

  /** Each job's earliest scheduled run time, else its next_time (SPEC 19.2); O(scheduled runs), not O(runs). */
  nextScheduledAll(): Map<string, string | null> {
    const out = new Map<string, string | null>(this.table.nextScheduled());
    for (const [id, job] of this.jobs) if (!out.has(id)) out.set(id, job.next_time);
    return out;
  }
}
