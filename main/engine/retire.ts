/**
 * Retirement (SPEC 13.4): finished runs older than runs.lookback, and the oldest finished runs beyond
 * runs.max_in_memory, leave memory (a `run_delete` for live views) but stay in the DB, readable by ID.
 */
import { isFinished } from '../../shared/model/states.js';
import type { Engine } from './engine.js';
import type { Run } from './run.js';

const RETIRE_EVERY_MS = 60_000;

/** Drops runs from memory per the settings; returns how many left. */
export function retireRuns(engine: Engine): number {
  const { lookback, max_in_memory: max } = engine.deps.settings.runs;
  const before = lookback === null ? -Infinity : engine.clock.now() - lookback * 1000;
  const finished: Run[] = [];
  for (const run of engine.runs.all()) if (isFinished(run.state)) finished.push(run);
  // The index keeps insertion order: restored runs by run number, then new ones; so the first are the oldest.
  const excess = Math.max(0, finished.length - max);
  let retired = 0;
  finished.forEach((run, i) => {
    if (i < excess || run.timestamp < before) {
      engine.runs.remove(run);
      engine.events.emit('delete', run.runId);
      retired += 1;
    }
  });
  return retired;
}

/** Retires every minute until `signal` aborts. */
export async function retireLoop(engine: Engine, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      await engine.clock.sleepUntil(engine.clock.now() + RETIRE_EVERY_MS, signal);
    } catch {
      return;
    }
    retireRuns(engine);
  }
}
