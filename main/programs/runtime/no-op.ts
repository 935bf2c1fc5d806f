/** The `no-op` program (SPEC 6.1): finishes after `duration`, in success, failure or error as configured. */
import type { BoundProgram } from '../bind.js';
import { UpdateQueue, type ProgramContext, type ProgramRuntime, type RunningProgram } from './types.js';

type NoOp = Extract<BoundProgram, { type: 'no-op' }>;

function run(program: NoOp, ctx: ProgramContext, startedAt: number, announce: boolean): RunningProgram {
  const queue = new UpdateQueue();
  const abort = new AbortController();
  if (announce) queue.push({ kind: 'running', runState: null, meta: {} });
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    if (program.success === true) queue.push({ kind: 'success', meta: {} });
    else if (program.success === false) queue.push({ kind: 'failure', message: 'failed', meta: {} });
    else queue.push({ kind: 'error', message: 'error', meta: {} });
  };
  const end = startedAt + (program.duration ?? 0) * 1000;
  ctx.clock.sleepUntil(end, abort.signal).then(finish, () => {
    // Aborted by stop: a stopped no-op succeeds (SPEC 6.3).
    if (!finished) queue.push({ kind: 'success', meta: {} });
  });
  return {
    updates: queue,
    stop: () => abort.abort(new Error('stopped')),
    signal: () => false,
    detach: () => {
      finished = true;
      abort.abort(new Error('detached'));
    },
  };
}

export const noOpRuntime: ProgramRuntime = {
  start(program, ctx) {
    return run(program as NoOp, ctx, ctx.clock.now(), true);
  },
  connect(program, _runState, times, ctx, stopping) {
    // Resume the remaining duration from when it started running (SPEC 12.3); a stopping no-op ends now.
    const running = run(program as NoOp, ctx, times['running'] ?? ctx.clock.now(), false);
    if (stopping !== null) running.stop(stopping.deadline);
    return running;
  },
};
