/**
 * Shaping the forecast (SPEC 19.8, GET /api/v1/plan) for the screen: the time each run shows with its UTC offset,
 * runs grouped by job, and a timeline of bounded size. Pure.
 */
import type { PlanEntry } from '../../../shared/api/console-api.js';
import { formatTime } from './format.js';
import { realZone, zoneOffset } from './time-entry.js';

/** The forecast's windows, in the URL as `window=`; the API serves at most 30 days. */
export const FORECAST_WINDOWS = ['24h', '3d', '7d', '30d'] as const;

/** The longest span asked of the API at once: 3 days of a busy folder are about 1 MB of JSON. */
export const SLICE_MS = 3 * 86_400_000;

/**
 * The forecast of [from, to) asked a slice of at most SLICE_MS at a time, in order, each handed to `onSlice` as it
 * comes: a month of a busy folder is over 100,000 runs and 10 MB of JSON, which parsed and grouped at once hold the
 * page for well over 100 ms. Slices are disjoint and each in time order, so together they are the whole answer.
 */
export async function planInSlices(
  plan: (from: string, to: string) => Promise<PlanEntry[]>,
  from: number,
  to: number,
  onSlice: (entries: PlanEntry[]) => void,
): Promise<void> {
  for (let t = from; t < to; t += SLICE_MS)
    onSlice(await plan(new Date(t).toISOString(), new Date(Math.min(to, t + SLICE_MS)).toISOString()));
}

/** `+05:30`, `-04:00`: an offset given in ms. */
export function offsetText(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${ms < 0 ? '-' : '+'}${hh}:${mm}`;
}

export interface ShownTime {
  /** `YYYY-MM-DD HH:mm:ss`. */
  time: string;
  /** `-04:00`. */
  offset: string;
}

/**
 * The local time a run shows: in its schedule's zone, with that zone's offset, when the schedule has one (what a DST
 * mark is about); else in `zone` (the console's), with its offset at that instant.
 */
export function localTime(entry: PlanEntry, zone: string): ShownTime {
  const ms = Date.parse(entry.time);
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(entry.offset ?? '');
  if (m !== null) {
    const offset = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
    return { time: formatTime(ms + offset, 'UTC'), offset: entry.offset as string };
  }
  return { time: formatTime(ms, zone), offset: offsetText(zoneOffset(ms, realZone(zone))) };
}

export interface Tick {
  /** Position in the window, 0 to 1. */
  at: number;
  /** How many runs the tick stands for. */
  runs: number;
  /** Whether one of them is moved or repeated by a clock change. */
  dst: boolean;
}

/** The runs of a job the forecast keeps to show (the first ones); the others are counted. */
export const KEEP = 500;

export interface JobForecast {
  jobId: string;
  /** The first KEEP runs, in time order. */
  entries: PlanEntry[];
  /** How many runs in all. */
  count: number;
  /** How many of them a clock change moves or repeats. */
  dst: number;
  /**
   * The job's runs on a timeline of [from, to) of at most `buckets` ticks: runs closer than a bucket share one, so a
   * job running every minute for 30 days draws `buckets` ticks, not 43,200.
   */
  ticks: Tick[];
}

/**
 * The runs of [from, to) by job, jobs ordered by their first run, built from slices of the forecast in time order
 * (as the API sends them) as they arrive; each time is parsed once, and at most KEEP runs a job are kept.
 */
export class ForecastGroups {
  private readonly jobs = new Map<string, { job: JobForecast; ticks: Map<number, Tick> }>();
  /** How many runs in all. */
  size = 0;

  constructor(
    readonly from: number,
    readonly to: number,
    private readonly buckets = 240,
  ) {}

  add(entries: readonly PlanEntry[]): void {
    const span = this.to - this.from;
    for (const e of entries) {
      let j = this.jobs.get(e.job_id);
      if (j === undefined) {
        j = { job: { jobId: e.job_id, entries: [], count: 0, dst: 0, ticks: [] }, ticks: new Map() };
        this.jobs.set(e.job_id, j);
      }
      // A month of a job running every minute is 43,200 runs: keep what can be shown, count the rest.
      if (j.job.count < KEEP) j.job.entries.push(e);
      j.job.count += 1;
      this.size += 1;
      const dst = e.dst !== undefined;
      if (dst) j.job.dst += 1;
      const ms = Date.parse(e.time);
      if (!(span > 0 && ms >= this.from && ms < this.to)) continue;
      const b = Math.min(this.buckets - 1, Math.floor(((ms - this.from) / span) * this.buckets));
      const t = j.ticks.get(b);
      if (t === undefined) j.ticks.set(b, { at: (b + 0.5) / this.buckets, runs: 1, dst });
      else {
        t.runs += 1;
        t.dst ||= dst;
      }
    }
  }

  groups(): JobForecast[] {
    return [...this.jobs.values()].map(({ job, ticks }) => ({ ...job, ticks: [...ticks.values()] }));
  }
}

/**
 * An SVG path of vertical ticks on a 1000-wide timeline, of the ticks with (or without) a clock change: one element
 * for a job's whole timeline, where an element per tick made 24,000 of them for 100 jobs over 30 days.
 */
export function tickPath(ticks: readonly Tick[], dst: boolean): string {
  let d = '';
  for (const t of ticks) if (t.dst === dst) d += `M${(t.at * 1000).toFixed(1)} 0V14`;
  return d;
}

export interface JobPlanDiff {
  jobId: string;
  added: PlanEntry[];
  removed: PlanEntry[];
}

/** A reload's plan_diff by job, in job ID order. */
export function diffByJob(added: readonly PlanEntry[], removed: readonly PlanEntry[]): JobPlanDiff[] {
  const jobs = new Map<string, JobPlanDiff>();
  const of = (jobId: string): JobPlanDiff => {
    let j = jobs.get(jobId);
    if (j === undefined) {
      j = { jobId, added: [], removed: [] };
      jobs.set(jobId, j);
    }
    return j;
  };
  for (const e of added) of(e.job_id).added.push(e);
  for (const e of removed) of(e.job_id).removed.push(e);
  return [...jobs.values()].sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
}
