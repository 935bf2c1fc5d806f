/** Operations on many runs at once (SPEC 19.8): which selected runs an operation applies to, and the ranges picked. */
import type { RunSummary } from '../../../shared/model/run.js';
import { FINISHED_STATES, type RunState } from '../../../shared/model/states.js';

export type BulkOp = 'skip' | 'stop' | 'rerun' | `mark ${RunState}`;

/** The most runs one bulk operation takes: enough for a day's failures, small enough to confirm by reading. */
export const BULK_LIMIT = 500;

/** The states an operation applies to (SPEC 19.5). */
export function appliesTo(op: BulkOp, state: RunState): boolean {
  if (op === 'skip') return state === 'scheduled' || state === 'waiting';
  if (op === 'stop') return state === 'running';
  const finished = (FINISHED_STATES as readonly string[]).includes(state);
  if (op === 'rerun') return finished;
  return finished && op !== `mark ${state}`;
}

/** The selected runs split by whether `op` applies to them. */
export function bulkPlan(
  runs: readonly RunSummary[],
  op: BulkOp,
): { apply: RunSummary[]; leave: RunSummary[] } {
  const apply: RunSummary[] = [];
  const leave: RunSummary[] = [];
  for (const r of runs) (appliesTo(op, r.state) ? apply : leave).push(r);
  return { apply, leave };
}

/** The operations that apply to at least one of `runs`, in a fixed order. */
export function bulkOps(runs: readonly RunSummary[]): BulkOp[] {
  const all: BulkOp[] = ['skip', 'stop', 'rerun', ...FINISHED_STATES.map((s): BulkOp => `mark ${s}`)];
  return all.filter((op) => runs.some((r) => appliesTo(op, r.state)));
}

/** `r1, r2, r3 and 4 more`: which runs, short enough for a dialog. */
export function listRuns(runs: readonly RunSummary[], shown = 8): string {
  const ids = runs.slice(0, shown).map((r) => `${r.run_id} (${r.job_id})`);
  const more = runs.length - ids.length;
  return more > 0 ? `${ids.join(', ')} and ${more} more` : ids.join(', ');
}

/** The positions between two rows, both included, whatever their order (shift-click). */
export function rangeBetween(a: number, b: number): [number, number] {
  return a <= b ? [a, b] : [b, a];
}
