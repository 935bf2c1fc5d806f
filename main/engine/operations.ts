/**
 * The operator's commands on one run (SPEC 11.4): start, skip, stop, signal, mark and rerun, each checked against the
 * run's state and refused with an OperationError that says why. The engine's methods of the same names call these.
 */
import { isFinished, type RunState } from '../../shared/model/states.js';
import { isProcessProgram } from '../programs/bind.js';
import { normalizeSignal } from '../programs/signals.js';
import type { Engine } from './engine.js';
import { OperationError } from './errors.js';
import type { Run } from './run.js';

export function startRun(engine: Engine, runId: string): void {
  engine.requireWritable();
  const run = engine.getRun(runId);
  if (run.state === 'scheduled') {
    engine.atomic(() => {
      engine.log(run, 'scheduled run started by override');
      engine.onUnscheduled(run);
      engine.waiter.admit(run);
    });
  } else if (run.state === 'waiting') {
    engine.atomic(() => {
      engine.log(run, 'waiting run started by override');
      engine.waiter.cancel(run);
      engine.startProgram(run);
    });
  } else throw new OperationError(`can't start ${runId} in state ${run.state}`);
}

export function skipRun(engine: Engine, runId: string): void {
  engine.requireWritable();
  const run = engine.getRun(runId);
  if (run.state !== 'scheduled' && run.state !== 'waiting')
    throw new OperationError(`can't skip ${runId} in state ${run.state}`);
  if (run.state === 'waiting') engine.waiter.cancel(run);
  engine.transition(run, 'skipped');
}

export function stopRun(engine: Engine, runId: string): Run {
  const run = engine.getRun(runId);
  if (run.state === 'stopping') return run;
  if (run.state !== 'running') throw new OperationError(`can't stop ${runId}: run is ${run.state}`);
  const program = engine.runningProgram(runId);
  const grace = isProcessProgram(run.program) ? run.program.stop.grace_period : 0;
  const deadline = engine.clock.now() + grace * 1000;
  engine.transition(run, 'stopping', {
    runState: { ...(run.runState ?? {}), stopping: true, stop_deadline: deadline },
  });
  program?.stop(deadline);
  return run;
}

export function signalRun(engine: Engine, runId: string, sig: string): void {
  const run = engine.getRun(runId);
  const name = normalizeSignal(sig);
  if (name === null) throw new OperationError(`unknown signal ${sig}`);
  if (run.state !== 'running' && run.state !== 'stopping')
    throw new OperationError(`can't signal ${runId}: run is ${run.state}`);
  const program = engine.runningProgram(runId);
  if (program === undefined || !program.signal(name))
    throw new OperationError(`can't signal ${runId}: its program is not a process`);
  // Logged once sent, so a refused signal leaves no trace in the run log; the outcome follows later.
  engine.log(run, `sending ${name}`);
}

/** An operator's mark (SPEC 11.4): a finished run to another finished state; output, meta and log are kept. */
export function markRun(engine: Engine, runId: string, state: RunState): void {
  engine.requireWritable();
  const run = engine.getRun(runId);
  if (!isFinished(state)) throw new OperationError(`can't mark ${runId} as ${state}: not a finished state`);
  if (!isFinished(run.state))
    throw new OperationError(`can't mark ${runId}: run is ${run.state}, not finished`);
  if (run.state === state) throw new OperationError(`${runId} is already in state ${state}`);
  engine.atomic(() => {
    engine.log(run, `marked as ${state}`);
    engine.transition(run, state, { cause: 'mark' });
  });
}

export function rerun(engine: Engine, runId: string): Run {
  engine.requireWritable();
  const old = engine.getRun(runId);
  if (engine.job(old.jobId) === undefined)
    throw new OperationError(`can't rerun ${runId}: job ${old.jobId} no longer exists`);
  const stop = old.times['stop'];
  return engine.createRun(old.jobId, old.args, {
    ...(stop === undefined ? {} : { stop }),
    notes: [`scheduled as rerun of ${runId}`],
  });
}
