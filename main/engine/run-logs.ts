/**
 * Run logs (SPEC 11.5): written to the store with the run's other changes, except for expected runs, which exist in
 * memory only until they leave `scheduled`; their lines wait here until then, and go with the run if it is dropped.
 */
import type { RunStore } from '../store/run-store.js';
import type { Clock } from './clock.js';
import type { Publisher } from './publisher.js';
import type { Run } from './run.js';

interface Line {
  timestamp: number;
  message: string;
}

export class RunLogs {
  readonly #pending = new Map<string, Line[]>();

  constructor(
    private readonly store: RunStore,
    private readonly clock: Clock,
    private readonly events: Publisher,
  ) {}

  /** Expected runs with lines waiting (the stats' `len_runlogdb_cache`). */
  get pendingRuns(): number {
    return this.#pending.size;
  }

  /** Appends a line (held in memory for an expected run); call within the engine's write batch. */
  log(run: Run, message: string): void {
    const timestamp = this.clock.now();
    if (run.expected) {
      let list = this.#pending.get(run.runId);
      if (list === undefined) this.#pending.set(run.runId, (list = []));
      list.push({ timestamp, message });
    } else this.store.appendRunLog(run.runId, timestamp / 1000, message);
    this.events.emit('log', run.runId, timestamp, message);
  }

  /** Appends a line to a run only in the store (retired, SPEC 13.4); nothing for an unknown run. */
  logStored(runId: string, message: string): void {
    if (this.store.getRun(runId) === undefined) return;
    const timestamp = this.clock.now();
    this.store.appendRunLog(runId, timestamp / 1000, message);
    this.events.emit('log', runId, timestamp, message);
  }

  /** Writes the held lines of a run that stopped being expected. */
  flush(run: Run): void {
    const list = this.#pending.get(run.runId);
    if (list === undefined) return;
    this.#pending.delete(run.runId);
    this.store.appendRunLogs(
      list.map((e) => ({ run_id: run.runId, timestamp: e.timestamp / 1000, message: e.message })),
    );
  }

  /** Forgets the held lines of an expected run that is dropped. */
  drop(runId: string): void {
    this.#pending.delete(runId);
  }

  /** The run log (from memory for expected runs); `committedOnly` leaves out entries not committed yet. */
  read(runId: string, committedOnly: boolean): Line[] {
    const pending = this.#pending.get(runId);
    if (pending !== undefined) return committedOnly ? [] : pending;
    return this.store
      .runLog(runId, committedOnly)
      .map((e) => ({ timestamp: e.timestamp * 1000, message: e.message }));
  }
}
