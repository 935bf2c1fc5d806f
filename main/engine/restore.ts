/** Restart recovery (SPEC 12.3): runs back from the DB, each unfinished one resumed or ended with a reason. */
import { runNumber } from '../store/run-record.js';
import type { Engine } from './engine.js';
import { fromRecord, fromSummaryRow, type Run } from './run.js';

/** Loads runs (those updated within `lookback` seconds, or all) and resumes the unfinished ones. */
export function restoreRuns(engine: Engine): void {
  const lookback = engine.deps.settings.runs.lookback;
  const now = engine.clock.now();
  // Finished runs come back light, from their summary columns only (the newest, up to runs.max_in_memory);
  // every unfinished run comes back whole, however old, since it needs recovery.
  const finished = engine.store.loadNewestFinishedSummaries(
    engine.deps.settings.runs.max_in_memory,
    lookback === null ? -Infinity : now / 1000 - lookback,
    fromSummaryRow,
  );
  const unfinished = engine.store.loadUnfinishedRuns().map(fromRecord);
  // Into the index in run-number order: retirement takes the first ones as the oldest.
  for (const run of [...finished, ...unfinished].sort(
    (a, b) => (runNumber(a.runId) ?? 0) - (runNumber(b.runId) ?? 0),
  ))
    engine.adopt(run);
  for (const run of unfinished) {
    try {
      resume(engine, run);
    } catch (e) {
      // One run that cannot be restored must not stop the engine (SPEC 12.3, D15).
      engine.log(run, `error: cannot restore: ${(e as Error).message}`);
      engine.transition(run, 'error', { message: `cannot restore: ${(e as Error).message}` });
    }
  }
}

function resume(engine: Engine, run: Run): void {
  switch (run.state) {
    case 'new':
      engine.transition(run, 'error', { message: 'restored new: it was never scheduled' });
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
      engine.transition(run, 'error', { cause: 'restore', message: 'restored starting: might have started' });
      return;
    case 'running':
      engine.log(run, 'reconnecting');
      engine.reconnect(run, null);
      return;
    case 'stopping': {
      engine.log(run, 'reconnecting');
      const deadline = run.runState?.['stop_deadline'];
      engine.reconnect(run, { deadline: typeof deadline === 'number' ? deadline : engine.clock.now() });
      return;
    }
    default:
      return;
  }
}
