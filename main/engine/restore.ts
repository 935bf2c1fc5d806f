/** Restart recovery (SPEC 12.3): runs back from the DB, each unfinished one resumed or ended with a reason. */
import { isFinished } from '../../shared/model/states.js';
import type { Engine } from './engine.js';
import { fromRecord, slimDown, type Run } from './run.js';

/** Loads runs (those updated within `lookback` seconds, or all) and resumes the unfinished ones. */
export function restoreRuns(engine: Engine): void {
  const lookback = engine.deps.settings.runs.lookback;
  const now = engine.clock.now();
  const records = engine.store.loadNewestRuns(
    engine.deps.settings.runs.max_in_memory,
    lookback === null ? -Infinity : now / 1000 - lookback,
  );
  // Unfinished runs older than the lookback still need recovery.
  const seen = new Set(records.map((r) => r.run_id));
  for (const rec of engine.store.loadUnfinishedRuns()) if (!seen.has(rec.run_id)) records.push(rec);
  const unfinished: Run[] = [];
  for (const rec of records) {
    const run = fromRecord(rec);
    engine.runs.add(run);
    if (isFinished(run.state)) slimDown(run);
    else unfinished.push(run);
  }
  for (const run of unfinished) {
    try {
      resume(engine, run);
    } catch (e) {
      // One run that cannot be restored must not stop the engine (SPEC 12.3, D15).
      engine.log(run, `error: cannot restore: ${(e as Error).message}`);
      engine.transition(run, 'error', { forced: true, message: `cannot restore: ${(e as Error).message}` });
    }
  }
}

function resume(engine: Engine, run: Run): void {
  switch (run.state) {
    case 'new':
      engine.transition(run, 'error', { forced: true, message: 'restored new: it was never scheduled' });
      return;
    case 'scheduled':
      engine.log(run, 'restored');
      engine.onScheduled(run);
      return;
    case 'waiting':
      engine.log(run, 'restored');
      engine.waiter.resume(run, run.times['waiting'] ?? engine.clock.now());
      return;
    case 'starting':
      engine.log(run, 'restored starting: might have started');
      engine.transition(run, 'error', { forced: true, message: 'restored starting: might have started' });
      return;
    case 'running':
      engine.log(run, 'reconnecting');
      engine.reconnect(run, null);
      return;
    case 'stopping': {
      engine.log(run, 'reconnecting');
      engine.tasks.num_stopping += 1;
      const deadline = run.runState?.['stop_deadline'];
      engine.reconnect(run, { deadline: typeof deadline === 'number' ? deadline : engine.clock.now() });
      return;
    }
    default:
      return;
  }
}
