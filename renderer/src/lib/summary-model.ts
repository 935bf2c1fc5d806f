/**
 * What the summary stream says (SPEC 16.1) as plain data: jobs, job errors and runs. A compact init (the console
 * asks for one) puts each chunk of runs into the table as it arrives, without building their summaries, so the list
 * shows the runs nearest the present from the first chunk. The runs of a full init are gathered as their frames
 * arrive and loaded with one sort when the init ends. Live changes apply the same way after either.
 */
import { CompactDecoder, type RunSummariesMessage } from '../../../shared/api/compact-runs.js';
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
  /** Runs of a full init still arriving; null outside one. */
  private initRuns: RunSummary[] | null = null;
  /** A compact init in progress: its runs so far and in all; null outside one. */
  private compact: { loaded: number; total: number } | null = null;

  /** A new init starts (a fresh connection): everything is replaced by what follows. */
  reset(): void {
    this.jobs = new Map();
    this.jobErrors = [];
    this.initRuns = [];
    this.compact = null;
    this.table.reset([]);
  }

  /** Runs received so far by an init in progress, else null. */
  get loadingRuns(): number | null {
    if (this.compact !== null) return this.compact.loaded;
    return this.initRuns === null ? null : this.initRuns.length;
  }

  /** Runs a compact init in progress holds in all (those received so far are shown already), else null. */
  get loadingTotal(): number | null {
    return this.compact === null ? null : this.compact.total;
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
        case 'run_summaries':
          this.compactChunk(m);
          applied.runs = true;
          break;
        case 'run_summary':
          if (this.initRuns !== null) this.initRuns.push(m.run_summary);
          else {
            this.table.upsert(m.run_summary);
            applied.runs = true;
          }
          break;
        case 'run_transition':
          this.endInit();
          this.table.upsert(m.run_summary);
          applied.runs = true;
          break;
        case 'run_delete':
          this.endInit();
          this.table.remove(m.run_id);
          applied.runs = true;
          break;
      }
    }
    if (jobs !== null) {
      this.jobs = jobs;
      applied.jobs = true;
    }
    // A full init: a shorter frame ends it; after a full one, more frames may follow (or finishInit() after a pause).
    if (messages.length < FRAME_MESSAGES) applied.runs = this.finishInit() || applied.runs;
    return applied;
  }

  /** A chunk of a compact init: its runs go into the table at once, without building their summaries. */
  private compactChunk(m: RunSummariesMessage): void {
    if (this.compact === null) {
      // The first chunk: the runs of this init come only in chunks (nothing was gathered).
      const decoder = new CompactDecoder();
      this.initRuns = null;
      this.table.resetCompact(decoder);
      this.decoder = decoder;
      this.compact = { loaded: 0, total: m.total };
    }
    this.decoder.extend(m);
    this.table.addCompact(m.runs);
    this.compact.loaded += m.runs.length;
    if (m.last) this.compact = null;
  }

  private decoder = new CompactDecoder();

  /** Loads the runs gathered by a full init in progress; false when there is none (a compact init ends itself). */
  finishInit(): boolean {
    if (this.initRuns === null) return false;
    this.table.reset(this.initRuns);
    this.initRuns = null;
    return true;
  }

  /** A live change ends any init (the server sends them only after it). */
  private endInit(): void {
    this.finishInit();
    this.compact = null;
  }

  /** The job's latest run (by sort time, then run number) that is not scheduled. */
  lastRunOf(jobId: string): RunSummary | undefined {
    return this.table.lastRunOf(jobId);
  }

  /** Each job's earliest scheduled run time, else its next_time (SPEC 19.2); O(scheduled runs), not O(runs). */
  nextScheduledAll(): Map<string, string | null> {
    const out = new Map<string, string | null>(this.table.nextScheduled());
    for (const [id, job] of this.jobs) if (!out.has(id)) out.set(id, job.next_time);
    return out;
  }
}
