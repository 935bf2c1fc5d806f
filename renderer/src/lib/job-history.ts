/** A job's history from its runs (SPEC 19.8): ordered by time, success rate, durations, failure streak. Pure. */
import type { RunSummary } from '../../../shared/model/run.js';
import { sortTime } from './run-table.js';
import { runElapsed } from './run-times.js';

export interface JobHistory {
  /** The next scheduled runs, latest first (they are listed above the past ones). */
  upcoming: RunSummary[];
  /** Every other run, newest first. */
  past: RunSummary[];
  /** Over the window: finished runs that succeeded, failed (failure or error), were skipped. */
  success: number;
  failed: number;
  skipped: number;
  /** Success / (success + failed), null without such runs. */
  successRate: number | null;
  /** Durations (seconds) of the runs that ran and ended in the window. */
  p50: number | null;
  max: number | null;
  /** Failures and errors in a row among the latest finished runs (skipped runs left out); 0 after a success. */
  streak: number;
  /** Outcomes of the latest finished runs, oldest first, for a strip seen at a glance. */
  strip: { run_id: string; state: RunSummary['state'] }[];
  /** Duration chart: start time (s) and duration (s), successes and failures as separate series. */
  chart: [number[], (number | null)[], (number | null)[]];
}

const FAILED = new Set(['failure', 'error']);

/** Median of sorted numbers: the middle one, or the mean of the two middle ones. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** End time of a finished run (ms), else null. */
function endTime(run: RunSummary): number | null {
  const t = run.times[run.state];
  return (run.state === 'success' || FAILED.has(run.state) || run.state === 'skipped') && t !== undefined
    ? Date.parse(t)
    : null;
}

export function jobHistory(
  runs: Iterable<RunSummary>,
  since: number,
  options: { upcoming?: number; past?: number; strip?: number } = {},
): JobHistory {
  const all = [...runs].sort((a, b) => sortTime(b) - sortTime(a) || runNum(b) - runNum(a));
  const scheduled = all.filter((r) => r.state === 'scheduled');
  const upcoming = scheduled.slice(Math.max(0, scheduled.length - (options.upcoming ?? 5)));
  const past = all.filter((r) => r.state !== 'scheduled').slice(0, options.past ?? 50);

  let success = 0;
  let failed = 0;
  let skipped = 0;
  const durations: number[] = [];
  const points: { x: number; ok: number | null; bad: number | null }[] = [];
  const finished = all.filter((r) => endTime(r) !== null);
  for (const r of finished) {
    const end = endTime(r) as number;
    if (end < since) continue;
    if (r.state === 'success') success += 1;
    else if (r.state === 'skipped') skipped += 1;
    else failed += 1;
    const d = runElapsed(r.times, end);
    const start = r.times['running'];
    if (d !== null && start !== undefined && r.state !== 'skipped') {
      durations.push(d);
      const ok = r.state === 'success';
      points.push({ x: Date.parse(start) / 1000, ok: ok ? d : null, bad: ok ? null : d });
    }
  }
  durations.sort((a, b) => a - b);
  points.sort((a, b) => a.x - b.x);

  let streak = 0;
  for (const r of finished) {
    if (r.state === 'skipped') continue;
    if (!FAILED.has(r.state)) break;
    streak += 1;
  }
  const strip = finished
    .slice(0, options.strip ?? 40)
    .reverse()
    .map((r) => ({ run_id: r.run_id, state: r.state }));

  return {
    upcoming,
    past,
    success,
    failed,
    skipped,
    successRate: success + failed === 0 ? null : success / (success + failed),
    p50: median(durations),
    max: durations.length === 0 ? null : (durations[durations.length - 1] as number),
    streak,
    strip,
    chart: [points.map((p) => p.x), points.map((p) => p.ok), points.map((p) => p.bad)],
  };
}

function runNum(run: RunSummary): number {
  const n = Number(run.run_id.slice(1));
  return Number.isFinite(n) ? n : 0;
}
