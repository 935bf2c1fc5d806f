/** The runs in memory (SPEC 13.4), indexed by run ID, job ID and instance; it answers every run query. */
import type { RunState } from '../../shared/model/states.js';
import { instanceKey, type Args, type Run } from './run.js';

export interface RunQuery {
  jobId?: string;
  state?: RunState;
  /** Minimum timestamp, epoch ms. */
  since?: number;
  /** Arg filters: every given arg must be equal. */
  args?: Args;
  runIds?: readonly string[];
}

/** The read side of the index: what the engine offers the rest of the product about its runs in memory. */
export interface RunQueries {
  readonly size: number;
  get(runId: string): Run | undefined;
  all(): IterableIterator<Run>;
  ofJob(jobId: string): ReadonlySet<Run>;
  ofInstance(jobId: string, args: Args): Iterable<Run>;
  /** Runs of `jobId` whose args include every entry of `args` (a partial instance). */
  matching(jobId: string, args: Args): Iterable<Run>;
  query(q: RunQuery): Run[];
}

export class RunIndex implements RunQueries {
  private readonly byId = new Map<string, Run>();
  private readonly byJob = new Map<string, Set<Run>>();
  /** Most instances have one run: held as the run itself, a Set only from the second (a Set per run cost ~250 B). */
  private readonly byInstance = new Map<string, Run | Set<Run>>();

  get size(): number {
    return this.byId.size;
  }

  get(runId: string): Run | undefined {
    return this.byId.get(runId);
  }

  add(run: Run): void {
    this.byId.set(run.runId, run);
    addTo(this.byJob, run.jobId, run);
    const key = instanceKey(run.jobId, run.args);
    const held = this.byInstance.get(key);
    if (held === undefined) this.byInstance.set(key, run);
    else if (held instanceof Set) held.add(run);
    else if (held !== run) this.byInstance.set(key, new Set([held, run]));
  }

  remove(run: Run): void {
    this.byId.delete(run.runId);
    removeFrom(this.byJob, run.jobId, run);
    const key = instanceKey(run.jobId, run.args);
    const held = this.byInstance.get(key);
    if (held === run) this.byInstance.delete(key);
    else if (held instanceof Set) {
      held.delete(run);
      if (held.size === 1) this.byInstance.set(key, held.values().next().value as Run);
    }
  }

  all(): IterableIterator<Run> {
    return this.byId.values();
  }

  ofJob(jobId: string): ReadonlySet<Run> {
    return this.byJob.get(jobId) ?? EMPTY;
  }

  ofInstance(jobId: string, args: Args): Iterable<Run> {
    const held = this.byInstance.get(instanceKey(jobId, args));
    return held === undefined ? EMPTY : held instanceof Set ? held : [held];
  }

  /** Runs of `jobId` whose args include every entry of `args` (a partial instance). */
  *matching(jobId: string, args: Args): Generator<Run> {
    const keys = Object.keys(args);
    for (const run of this.ofJob(jobId)) if (keys.every((k) => run.args[k] === args[k])) yield run;
  }

  query(q: RunQuery): Run[] {
    let source: Iterable<Run>;
    if (q.runIds !== undefined)
      source = q.runIds.map((id) => this.byId.get(id)).filter((r): r is Run => r !== undefined);
    else if (q.jobId !== undefined) source = this.ofJob(q.jobId);
    else source = this.byId.values();
    const out: Run[] = [];
    for (const run of source) {
      if (q.jobId !== undefined && run.jobId !== q.jobId) continue;
      if (q.state !== undefined && run.state !== q.state) continue;
      if (q.since !== undefined && run.timestamp < q.since) continue;
      if (q.args !== undefined && !Object.entries(q.args).every(([k, v]) => run.args[k] === v)) continue;
      out.push(run);
    }
    return out;
  }
}

const EMPTY: ReadonlySet<Run> = new Set();

function addTo(map: Map<string, Set<Run>>, key: string, run: Run): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(run);
}

function removeFrom(map: Map<string, Set<Run>>, key: string, run: Run): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(run);
  if (set.size === 0) map.delete(key);
}
