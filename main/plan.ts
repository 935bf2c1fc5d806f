/** The runs a set of jobs' schedules produce over a time range (SPEC 18.2), as the scheduler would create them. */
import type { Job } from './jobs/job.js';
import { occurrences } from './schedules/occurrences.js';
import type { Args, StartSchedule } from './schedules/types.js';
import { formatArgTime } from './time/instants.js';

export interface PlannedRun {
  time: number;
  jobId: string;
  /** Filtered to the job's params, sorted by key. */
  args: Args;
  /** JSON of `args` (keys sorted): the third sort key and the output form. */
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

/** Every run of an enabled schedule with time in [from, to), sorted by time, job ID, then args JSON. */
export function planRuns(jobs: Iterable<Job>, from: number, to: number): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const job of jobs) {
    const params = [...job.params].sort();
    for (const { start } of job.schedules) {
      if (!start.enabled) continue;
      const tz = zoneOf(start);
      for (const occurrence of occurrences(start, from)) {
        if (occurrence.time >= to) break;
        const args = runArgs(params, occurrence.args, occurrence.time);
        runs.push({ time: occurrence.time, jobId: job.jobId, args, argsJson: JSON.stringify(args), tz });
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
