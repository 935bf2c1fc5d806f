/** `apsis plan DIR --from TIME --to TIME [--json]` (SPEC 18.2). */
import { formatProblem } from '../../shared/model/problem.js';
import { loadJobFolder } from '../jobs/load-folder.js';
import { plannedArgs, planRuns, type PlannedRun } from '../plan.js';
import { formatIso, parseInstant } from '../time/instants.js';
import { formatOffset, offsetAt } from '../time/zones.js';
import { requireFolder } from './folder.js';
import type { CliIo } from './io.js';
import { parseCommandArgs, UsageError } from './usage.js';

export function planCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseCommandArgs('plan', args, {
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
    'calendars-dir': { type: 'string' },
  });
  if (positionals.length !== 1)
    throw new UsageError('apsis plan: expected one job folder: apsis plan DIR --from TIME --to TIME');
  const from = instantOption(values['from'], '--from');
  const to = instantOption(values['to'], '--to');
  if (from >= to) throw new UsageError('apsis plan: --from must be earlier than --to');
  const dir = requireFolder('plan', positionals[0] as string);
  const calendarsDir = typeof values['calendars-dir'] === 'string' ? values['calendars-dir'] : null;
  const result = loadJobFolder(dir, { now: io.now(), calendarsDir });
  for (const problem of result.problems) io.err(formatProblem(problem));
  let failed = false;
  const runs = planRuns(result.jobs.values(), from, to, (job, message) => {
    failed = true;
    io.err(`${job.file ?? job.jobId}: ${message}`);
  });
  if (values['json'] === true) printJson(runs, io);
  else printTable(runs, io);
  return result.problems.length > 0 || failed ? 1 : 0;
}

function instantOption(value: unknown, name: string): number {
  if (typeof value !== 'string')
    throw new UsageError(`apsis plan: ${name} TIME is required (ISO 8601 with an offset or Z)`);
  const t = parseInstant(value);
  if (t === null)
    throw new UsageError(`apsis plan: ${name} '${value}' is not an ISO 8601 time with an offset or Z`);
  return t;
}

function printJson(runs: PlannedRun[], io: CliIo): void {
  if (runs.length === 0) {
    io.out('[]');
    return;
  }
  io.out('[');
  const last = runs.length - 1;
  runs.forEach((run, i) => {
    io.out(
      `{"time":"${formatIso(run.time)}","job_id":${JSON.stringify(run.jobId)},"args":${run.argsJson}}${i === last ? '' : ','}`,
    );
  });
  io.out(']');
}

/** TIME, JOB, ARGS columns; a note where a job's time zone changes offset since its previous run. */
function printTable(runs: PlannedRun[], io: CliIo): void {
  // A loop, not Math.max(...): a year of plan is more arguments than the call stack holds.
  let jobWidth = 3;
  for (const run of runs) jobWidth = Math.max(jobWidth, run.jobId.length);
  const lastOffset = new Map<string, number>();
  io.out(`${'TIME'.padEnd(24)}  ${'JOB'.padEnd(jobWidth)}  ARGS`);
  for (const run of runs) {
    const args = Object.entries(plannedArgs(run))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    let note = '';
    if (run.tz !== null) {
      const key = `${run.jobId}\u0000${run.tz}`;
      const offset = offsetAt(run.time, run.tz);
      const previous = lastOffset.get(key);
      if (previous !== undefined && previous !== offset)
        note = `  [DST: ${run.tz} ${formatOffset(previous)} → ${formatOffset(offset)}]`;
      lastOffset.set(key, offset);
    }
    io.out(`${formatIso(run.time).padEnd(24)}  ${run.jobId.padEnd(jobWidth)}  ${args}${note}`.trimEnd());
  }
  io.out(`${runs.length} runs`);
}
