/** The runs a set of jobs' schedules produce over a time range (SPEC 18.2), as the scheduler would create them. */
import type { Job } from './jobs/job.js';
import { occurrences } from './schedules/occurrences.js';
import type { Args, StartSchedule } from './schedules/types.js';
import { formatArgTime } from './time/instants.js';

export interface PlannedRun {
  time: number;
  jobId: string;
  /**
   * JSON of the args filtered to the job's params, keys sorted: the third sort key and the output form.
   * Kept as text because a year of plan is millions of runs (plannedArgs() parses it).
   */
  argsJson: string;
  /** The schedule's time zone, when it has one (for DST notes). */
  tz: string | null;
}

/** Args of an occurrence as a run gets them: automatic and explicit args plus schedule_time, kept to the params. */
export function runArgs(params: readonly string[], occurrenceArgs: Args, time: number): Args {
  const args: Args = {};
  for (const param of params) {
    const value = param === 'schedule_time' ? formatArgTime(time) : occurrenceArgs[param];
    if (value !== undefined) args[param] = value;
  }
  return args;
}

/** The args of a planned run. */
export function plannedArgs(run: PlannedRun): Args {
  return JSON.parse(run.argsJson) as Args;
}

// eslint-disable-next-line no-control-regex -- JSON text must escape control characters
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029]/;

/** JSON text of a string; the common case needs no escaping and skips JSON.stringify. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** `runArgs` straight to JSON text, without the intermediate object. */
function runArgsJson(
  params: readonly string[],
  keys: readonly string[],
  occurrenceArgs: Args,
  time: number,
): string {
  let out = '{';
  for (let i = 0; i < params.length; i += 1) {
    const param = params[i] as string;
    const value = param === 'schedule_time' ? formatArgTime(time) : occurrenceArgs[param];
    if (value === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${keys[i] as string}:${jsonString(value)}`;
  }
  return `${out}}`;
}

/**
 * Every run of an enabled schedule with time in [from, to), sorted by time, job ID, then args JSON. A schedule
 * that fails (a file calendar running out, SPEC 5.5) keeps the runs it made and is reported to `onError`.
 */
export function planRuns(
  jobs: Iterable<Job>,
  from: number,
  to: number,
  onError: (job: Job, message: string) => void = () => {},
): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const job of jobs) {
    const params = [...job.params].sort();
    const keys = params.map(jsonString);
    for (const { start } of job.schedules) {
      if (!start.enabled) continue;
      const tz = zoneOf(start);
      try {
        for (const occurrence of occurrences(start, from)) {
          if (occurrence.time >= to) break;
          const argsJson = runArgsJson(params, keys, occurrence.args, occurrence.time);
          runs.push({ time: occurrence.time, jobId: job.jobId, argsJson, tz });
        }
      } catch (e) {
        onError(job, (e as Error).message);
      }
    }
  }
  return runs.sort(comparePlanned);
}

function zoneOf(s: StartSchedule): string | null {
  return 'tz' in s ? s.tz : null;
}

function comparePlanned(a: PlannedRun, b: PlannedRun): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.jobId !== b.jobId) return a.jobId < b.jobId ? -1 : 1;
  return a.argsJson < b.argsJson ? -1 : a.argsJson > b.argsJson ? 1 : 0;
}
