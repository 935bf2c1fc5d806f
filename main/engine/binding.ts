/**
 * Binding a run (SPEC 11.3 step 1, 7): its program and conditions rendered from the current job with the run's args,
 * `run_id` and `job_id`; labels and actions copied from the job.
 */
import { bindConditions } from '../conditions/bind.js';
import { jobLabels, type Job } from '../jobs/job.js';
import { templateOptions } from '../jobs/template-options.js';
import { bindProgram } from '../programs/bind.js';
import { newRenderBudget } from '../templating/index.js';
import type { Args, Run } from './run.js';
import type { Settings } from './settings.js';

/** Binds `run` from `job` (undefined: no such job); returns a problem message, or null when it is bound. */
export function bindRun(
  run: Run,
  job: Job | undefined,
  settings: Settings,
  jobOf: (jobId: string) => Job | undefined,
): string | null {
  if (job === undefined) return `no job ${run.jobId}`;
  run.labels = jobLabels(job);
  run.meta = { job: { labels: run.labels } };
  run.actions = [...job.actions, ...settings.action];
  const missing = job.params.filter((p) => !(p in run.args));
  if (missing.length > 0) return `missing args (${missing.join(', ')}) for job ${job.jobId}`;
  const extra = Object.keys(run.args).filter((a) => !job.params.includes(a));
  if (extra.length > 0) return `extra args (${extra.join(', ')}) for job ${job.jobId}`;
  const names = { run_id: run.runId, job_id: run.jobId, ...run.args };
  const options = templateOptions(settings.calendars_dir);
  const program = bindProgram(job.program, names, options);
  if (!program.ok) return program.error;
  run.program = program.program;
  const conds = bindConditions(job.conditions, job.jobId, run.args, names, jobOf, options);
  if (!conds.ok) return conds.error;
  run.conds = conds.conds;
  return null;
}

/**
 * The template work of binding one run of `job` with `args` (SPEC 15.1: a request's runs share the limits of section
 * 7): loop iterations and output bytes of every templated field together, unbounded here; undefined when the args do
 * not fit the job's params (such runs end in error without rendering).
 */
export function bindCost(
  job: Job,
  args: Args,
  settings: Settings,
  jobOf: (jobId: string) => Job | undefined,
): { iterations: number; outputBytes: number } | undefined {
  if (job.params.length !== Object.keys(args).length || !job.params.every((p) => p in args)) return undefined;
  const budget = newRenderBudget({
    rangeItems: Infinity,
    iterations: Infinity,
    outputBytes: Infinity,
    elapsedMs: Infinity,
  });
  const names = { run_id: 'r0', job_id: job.jobId, ...args };
  const options = { ...templateOptions(settings.calendars_dir), budget };
  bindProgram(job.program, names, options);
  bindConditions(job.conditions, job.jobId, args, names, jobOf, options);
  return { iterations: budget.iterations, outputBytes: budget.outputBytes };
}
