/**
 * Shaping the forecast (SPEC 19.8, GET /api/v1/plan) for the screen: the time each run shows with its UTC offset,
 * runs grouped by job, and a timeline of bounded size. Pure.
 */
import type { PlanEntry } from '../../../shared/api/console-api.js';
import { formatTime } from './format.js';
import { realZone, zoneOffset } from './time-entry.js';

/** The forecast's windows, in the URL as `window=`; the API serves at most 30 days. */
export const FORECAST_WINDOWS = ['24h', '3d', '7d', '30d'] as const;

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

export interface JobForecast {
  jobId: string;
  /** In time order. */
  entries: PlanEntry[];
  /** How many of them a clock change moves or repeats. */
  dst: number;
}

/** The runs by job, jobs ordered by their first run (then ID); `entries` must be in time order, as the API sends. */
export function groupByJob(entries: readonly PlanEntry[]): JobForecast[] {
  const jobs = new Map<string, JobForecast>();
  for (const e of entries) {
    let j = jobs.get(e.job_id);
    if (j === undefined) {
      j = { jobId: e.job_id, entries: [], dst: 0 };
      jobs.set(e.job_id, j);
    }
    j.entries.push(e);
    if (e.dst !== undefined) j.dst += 1;
  }
  return [...jobs.values()];
}

export interface Tick {
  /** Position in the window, 0 to 1. */
  at: number;
  /** How many runs the tick stands for. */
  runs: number;
  /** Whether one of them is moved or repeated by a clock change. */
  dst: boolean;
}

/**
 * The runs of [from, to) on a timeline of at most `buckets` ticks: runs closer than a bucket share one tick, so a
 * job running every minute for 30 days draws `buckets` ticks, not 43,200.
 */
export function timeline(entries: readonly PlanEntry[], from: number, to: number, buckets = 240): Tick[] {
  const span = to - from;
  if (!(span > 0)) return [];
  const ticks = new Map<number, Tick>();
  for (const e of entries) {
    const ms = Date.parse(e.time);
    if (!(ms >= from && ms < to)) continue;
    const b = Math.min(buckets - 1, Math.floor(((ms - from) / span) * buckets));
    const t = ticks.get(b);
    if (t === undefined) ticks.set(b, { at: (b + 0.5) / buckets, runs: 1, dst: e.dst !== undefined });
    else {
      t.runs += 1;
      t.dst ||= e.dst !== undefined;
    }
  }
  return [...ticks.values()];
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
