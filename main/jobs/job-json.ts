/** The API's job JSON (SPEC 15.2): the job as written, normalised, with one-line descriptions. */
import type { JobJson } from '../../shared/model/job.js';
import type { Job } from './job.js';
import type { ScheduleItem, StartSchedule, StopSchedule } from '../schedules/types.js';
import { occurrences } from '../schedules/occurrences.js';
import { formatDaytime } from '../time/daytime.js';
import type { ProgramSpec } from '../programs/spec.js';

const iso = (ms: number): string => new Date(ms).toISOString();

function startJson(s: StartSchedule): Record<string, unknown> {
  const common = { type: s.type, enabled: s.enabled, args: s.args };
  switch (s.type) {
    case 'interval':
      return {
        ...common,
        interval: s.interval,
        phase: s.phase,
        str: `every ${seconds(s.interval)}${s.phase === 0 ? '' : ` + ${seconds(s.phase)}`}`,
      };
    case 'daily':
      return {
        ...common,
        tz: s.tz,
        daytime: s.daytimes.map(formatDaytime),
        calendar: s.calendar.expr,
        date_shift: s.dateShift,
        cal_shift: s.calShift,
        time_shift: s.timeShift,
        str: `${s.calendar.expr} at ${s.daytimes.map(formatDaytime).join(', ')} ${s.tz}${shifts(s.dateShift, s.calShift)}`,
      };
    case 'daily-interval': {
      const edge = (e: typeof s.start): Record<string, unknown> => ({
        daytime: formatDaytime(e.daytime),
        date_shift: e.dateShift,
        cal_shift: e.calShift,
      });
      return {
        ...common,
        tz: s.tz,
        calendar: s.calendar.expr,
        start: edge(s.start),
        stop: edge(s.stop),
        interval: s.interval,
        str: `${s.calendar.expr} every ${seconds(s.interval)} from ${formatDaytime(s.start.daytime)} to ${formatDaytime(s.stop.daytime)} ${s.tz}`,
      };
    }
    case 'explicit':
      return { ...common, times: s.times.map(iso), str: `at ${s.times.map(iso).join(', ')}` };
    case 'cron':
      return { ...common, expr: s.expr, tz: s.tz, str: `cron ${s.expr} ${s.tz}` };
  }
}

function stopJson(s: StopSchedule): Record<string, unknown> {
  return s.type === 'duration'
    ? { type: 'duration', duration: s.duration, str: `stop after ${seconds(s.duration)}` }
    : {
        type: 'daytime',
        daytime: formatDaytime(s.daytime),
        tz: s.tz,
        str: `stop at ${formatDaytime(s.daytime)} ${s.tz}`,
      };
}

/** One schedule item as JSON; a start/stop item is `{start, stop, str}`. */
export function scheduleJson(item: ScheduleItem): Record<string, unknown> {
  const start = startJson(item.start);
  if (item.stop === undefined) return start;
  const stop = stopJson(item.stop);
  return { start, stop, str: `${String(start['str'])}, ${String(stop['str'])}` };
}

function programJson(p: ProgramSpec): Record<string, unknown> {
  const str =
    'command' in p
      ? p.command
      : 'argv' in p
        ? p.argv.join(' ')
        : p.type === 'no-op'
          ? 'no-op'
          : (p.type.split('.').pop() ?? p.type);
  return { ...p, str };
}

/** First occurrence of an enabled schedule at or after `now`, or null (SPEC 15.2 next_time). */
export function nextTime(job: Job, now: number): number | null {
  let best: number | null = null;
  for (const { start } of job.schedules) {
    if (!start.enabled) continue;
    try {
      for (const o of occurrences(start, now)) {
        if (best === null || o.time < best) best = o.time;
        break;
      }
    } catch {
      // A schedule that cannot produce a time (calendar out of range) has no next time.
    }
  }
  return best;
}

/** The job JSON of SPEC 15.2. */
export function jobJson(job: Job, now: number, loadError = false): JobJson {
  const next = nextTime(job, now);
  const out: JobJson = {
    job_id: job.jobId,
    file: job.file,
    params: job.params,
    schedule: job.schedules.map(scheduleJson),
    program: programJson(job.program),
    condition: job.conditions.map((c) => ({ ...c })),
    action: job.actions.map((a) => ({ ...a })),
    metadata: job.metadata,
    ad_hoc: job.adHoc,
    next_time: next === null ? null : iso(next),
  };
  if (loadError) out.load_error = true;
  return out;
}

function seconds(s: number): string {
  if (s % 86_400 === 0) return `${s / 86_400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

function shifts(dateShift: number, calShift: number): string {
  const parts = [];
  if (dateShift !== 0) parts.push(`date_shift ${dateShift}`);
  if (calShift !== 0) parts.push(`cal_shift ${calShift}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}
