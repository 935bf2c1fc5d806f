/**
 * The forecast and the reload preview of the console (SPEC 19.8): the plan of the loaded jobs over a window, as
 * `apsis plan --json` writes it (streamed, a slice of runs per event-loop turn), and the runs of the next 7 days a
 * reload would add and remove. Both come from the plan code of `apsis plan` (main/plan.ts, main/plan-merge.ts).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { PlanDiff, PlanEntry as PlanEntryValue } from '../../shared/api/console-api.js';
import type { Job } from '../jobs/job.js';
import { PlanMerge, planEntryJson, type PlanEntry } from '../plan-merge.js';
import { formatIso } from '../time/instants.js';
import { badRequest, clip, instantParam } from './inputs.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The widest forecast a request may ask for (SPEC 19.8). */
export const MAX_PLAN_DAYS = 30;
/** The window of a reload preview (SPEC 19.8). */
export const DIFF_DAYS = 7;
/** Plan entries made between two yields to the event loop: a few milliseconds of work. */
const PLAN_PACE = 2000;
/** Jobs whose schedules are started (each finding its first occurrence) between two yields. */
const JOB_PACE = 50;
/** Most entries of one job in each list of a reload preview; the job is named in `truncated` past it. */
export const MAX_DIFF_PER_JOB = 1000;
/** Most entries in each list of a reload preview, all jobs together. */
export const MAX_DIFF_ENTRIES = 20_000;

/** A forecast window: `from` (default now) to `to` (default 24 h later), at most 30 days; 400 naming the limit. */
export function planWindow(
  from: string | null,
  to: string | null,
  now: number,
): { from: number; to: number } {
  const f = from === null || from === '' ? now : instantParam('from', from);
  const t = to === null || to === '' ? f + DAY_MS : instantParam('to', to);
  if (f >= t)
    throw badRequest(`from must be earlier than to (from ${clip(from ?? 'now')}, to ${clip(to ?? '')})`);
  if (t - f > MAX_PLAN_DAYS * DAY_MS)
    throw badRequest(
      `the window is ${Math.ceil((t - f) / HOUR_MS)} hours; a forecast covers at most ${MAX_PLAN_DAYS} days: bring from and to closer`,
    );
  return { from: f, to: t };
}

/** The entries of the plan of `jobs` over the window, in plan order, a slice per event-loop turn. */
export async function* planEntries(
  jobs: readonly Job[],
  window: { from: number; to: number },
  onError: (job: Job, message: string) => void,
): AsyncGenerator<PlanEntry> {
  const merge = new PlanMerge(window.from, window.to, onError);
  for (const [i, job] of jobs.entries()) {
    merge.add(job);
    if ((i + 1) % JOB_PACE === 0) await yieldToLoop();
  }
  let made = 0;
  for (let group = merge.nextGroup(); group.length > 0; group = merge.nextGroup()) {
    for (const entry of group) yield entry;
    made += group.length;
    if (made >= PLAN_PACE) {
      made = 0;
      await yieldToLoop();
    }
  }
}

/** The forecast as chunks of the JSON array `apsis plan --json` prints (with `offset` and `dst`). */
export async function* planJsonChunks(entries: AsyncIterable<PlanEntry>): AsyncGenerator<string> {
  let text = '[';
  let first = true;
  for await (const entry of entries) {
    text += `${first ? '' : ','}${planEntryJson(entry)}`;
    first = false;
    if (text.length >= 64 * 1024) {
      yield text;
      text = '';
    }
  }
  yield `${text}]`;
}

/** A plan entry as a value (IPC, and the reload preview). */
export function planEntryValue(entry: PlanEntry): PlanEntryValue {
  return {
    time: formatIso(entry.time),
    job_id: entry.jobId,
    args: JSON.parse(entry.argsJson) as Record<string, string>,
    ...(entry.offset === null ? {} : { offset: entry.offset }),
    ...(entry.dst === null ? {} : { dst: entry.dst }),
  };
}

/** One job's definitions before and after a reload (undefined: none, the job is added or removed). */
export interface JobChange {
  jobId: string;
  before: Job | undefined;
  after: Job | undefined;
}

/**
 * The runs of [now, now + 7 days) a reload adds and removes (SPEC 19.8), job by job: each job's plan before and after,
 * walked side by side in (time, args) order, a slice per event-loop turn. Lists are in plan order and bounded (per job
 * and in all); a job whose lists were cut is named in `truncated`.
 */
export async function planDiff(changes: readonly JobChange[], now: number): Promise<PlanDiff> {
  const window = { from: now, to: now + DIFF_DAYS * DAY_MS };
  const added: PlanEntry[] = [];
  const removed: PlanEntry[] = [];
  const truncated = new Set<string>();
  let steps = 0;
  const ignore = (): void => {};
  for (const change of [...changes].sort((a, b) => (a.jobId < b.jobId ? -1 : 1))) {
    const before = cursor(change.before, window, ignore);
    const after = cursor(change.after, window, ignore);
    const listed = { added: 0, removed: 0 };
    const full = (kind: 'added' | 'removed'): boolean =>
      listed[kind] >= MAX_DIFF_PER_JOB || (kind === 'added' ? added : removed).length >= MAX_DIFF_ENTRIES;
    const differs = (kind: 'added' | 'removed', entry: PlanEntry): void => {
      if (full(kind)) truncated.add(change.jobId);
      else {
        (kind === 'added' ? added : removed).push(entry);
        listed[kind] += 1;
      }
    };
    for (;;) {
      const a = before.peek();
      const b = after.peek();
      if (a === null && b === null) break;
      const order = a === null ? 1 : b === null ? -1 : a.time - b.time || compare(a.argsJson, b.argsJson);
      if (order <= 0) before.take();
      if (order >= 0) after.take();
      if (order < 0) differs('removed', a as PlanEntry);
      if (order > 0) differs('added', b as PlanEntry);
      // Once a run could not be listed and neither list can take more, the rest of the job need not be walked.
      if (truncated.has(change.jobId) && full('added') && full('removed')) break;
      if (++steps % PLAN_PACE === 0) await yieldToLoop();
    }
  }
  const byPlan = (x: PlanEntry, y: PlanEntry): number =>
    x.time - y.time || compare(x.jobId, y.jobId) || compare(x.argsJson, y.argsJson);
  return {
    from: formatIso(window.from),
    to: formatIso(window.to),
    added: added.sort(byPlan).map(planEntryValue),
    removed: removed.sort(byPlan).map(planEntryValue),
    truncated: [...truncated].sort(),
  };
}

/** One job's plan entries, one at a time. */
function cursor(
  job: Job | undefined,
  window: { from: number; to: number },
  onError: (job: Job, message: string) => void,
): { peek(): PlanEntry | null; take(): void } {
  const merge = new PlanMerge(window.from, window.to, onError);
  if (job !== undefined) merge.add(job);
  let group: PlanEntry[] = [];
  let i = 0;
  return {
    peek() {
      if (i >= group.length) {
        group = merge.nextGroup();
        i = 0;
      }
      return group[i] ?? null;
    },
    take() {
      i += 1;
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
