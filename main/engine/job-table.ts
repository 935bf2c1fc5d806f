/**
 * The engine's jobs (SPEC 10): the job folder's, as the last load left them, and the ad hoc ones (SPEC 10.4, kept
 * apart since listings leave them out), with the problems of the last load and the jobs whose file failed while their
 * previous definition stays in force. Changes go out as `job`, `job_delete` and `job_errors` events.
 */
import type { Problem } from '../../shared/model/problem.js';
import type { Job } from '../jobs/job.js';
import type { Publisher } from './publisher.js';

/** A load of the job folder to apply (startup or reload). */
export interface JobLoad {
  /** Jobs added or replaced. */
  set: readonly Job[];
  /** Jobs whose file is gone. */
  removed: readonly string[];
  /** Jobs whose file failed to load: their definition in force stays, flagged. */
  failed: ReadonlySet<string>;
  problems: Problem[];
}

export class JobTable {
  readonly #jobs = new Map<string, Job>();
  readonly #adHoc = new Map<string, Job>();
  #errors: Problem[] = [];
  #loadErrors = new Set<string>();

  constructor(private readonly events: Publisher) {}

  get jobs(): ReadonlyMap<string, Job> {
    return this.#jobs;
  }

  get errors(): readonly Problem[] {
    return this.#errors;
  }

  get loadErrors(): ReadonlySet<string> {
    return this.#loadErrors;
  }

  get(jobId: string): Job | undefined {
    return this.#jobs.get(jobId) ?? this.#adHoc.get(jobId);
  }

  isAdHoc(jobId: string): boolean {
    return this.#adHoc.has(jobId);
  }

  /** Applies a load (SPEC 10.3) and tells live views what changed. */
  applyLoad(load: JobLoad): void {
    for (const id of load.removed) {
      this.#jobs.delete(id);
      this.events.emit('job_delete', id);
    }
    const added = new Set(load.set.filter((j) => !this.#jobs.has(j.jobId)).map((j) => j.jobId));
    for (const job of load.set) this.#jobs.set(job.jobId, job);
    const before = this.#loadErrors;
    this.#loadErrors = new Set([...load.failed].filter((id) => this.#jobs.has(id)));
    const set = new Set(load.set.map((j) => j.jobId));
    for (const job of load.set) this.events.emit('job', job, added.has(job.jobId) ? 'add' : 'change');
    // A job whose file broke or loads again keeps its definition, but its `load_error` flag changed: send it again.
    for (const id of new Set([...before, ...this.#loadErrors])) {
      const job = this.#jobs.get(id);
      if (job !== undefined && !set.has(id) && before.has(id) !== this.#loadErrors.has(id))
        this.events.emit('job', job, 'change');
    }
    this.#errors = load.problems;
    this.events.emit('job_errors', load.problems);
  }

  addError(problem: Problem): void {
    this.#errors = [...this.#errors, problem];
    this.events.emit('job_errors', this.#errors);
  }

  addAdHoc(job: Job): void {
    this.#adHoc.set(job.jobId, job);
  }

  dropAdHoc(jobId: string): void {
    this.#adHoc.delete(jobId);
  }

  adHocIds(): string[] {
    return [...this.#adHoc.keys()];
  }
}
