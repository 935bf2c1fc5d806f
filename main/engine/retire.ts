/**
 * Retirement (SPEC 13.4): finished runs older than runs.lookback, and the oldest finished runs beyond
 * runs.max_in_memory, leave memory (a `run_delete` for live views) but stay in the DB, readable by ID.
 */
import { isFinished } from '../../shared/model/states.js';
import type { Engine } from './engine.js';
import type { Run } from './run.js';

const RETIRE_EVERY_MS = 60_000;

/** Runs to drop from memory per the settings, oldest first. */
function toRetire(engine: Engine): Run[] {
  const { lookback, max_in_memory: max } = engine.deps.settings.runs;
  const before = lookback === null ? -Infinity : engine.clock.now() - lookback * 1000;
  const finished: Run[] = [];
  for (const run of engine.runs.all()) if (isFinished(run.state)) finished.push(run);
  // The index keeps insertion order: restored runs by run number, then new ones; so the first are the oldest.
  const excess = Math.max(0, finished.length - max);
  return finished.filter((run, i) => i < excess || run.timestamp < before);
}

/** Runs retired per event-loop turn: a minute's worth of thousands of runs never holds the loop at once. */
const RETIRE_SLICE = 1000;

/** Drops runs from memory per the settings, a slice per event-loop turn; resolves with how many left. */
export async function retireRuns(engine: Engine, signal?: AbortSignal): Promise<number> {
  const runs = toRetire(engine);
  let retired = 0;
  for (let i = 0; i < runs.length && signal?.aborted !== true; i += RETIRE_SLICE) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    for (const run of runs.slice(i, i + RETIRE_SLICE)) if (engine.forget(run)) retired += 1; // false: gone meanwhile (archived)
  }
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
    await retireRuns(engine, signal);
  }
}
