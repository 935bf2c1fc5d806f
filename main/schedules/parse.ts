/** Parses the `schedule:` items of a job file into the model of types.ts (SPEC 5). */
import { quoted } from '../../shared/model/clip.js';
import { isMap, isScalar } from 'yaml';
import type { Calendar } from '../calendars/calendar.js';
import { loadCalendar } from '../calendars/file-calendar.js';
import { didYouMean } from '../jobs/did-you-mean.js';
import {
  oneOrList,
  readArgs,
  readBool,
  readDaytime,
  readDuration,
  readInt,
  readString,
  readTimeZone,
} from '../jobs/values.js';
import { describe, MapReader, type FileContext, type Value } from '../jobs/yaml-reader.js';
import { parseInstant } from '../time/instants.js';
import { validateCron } from './cron.js';
import type { Args, ScheduleItem, StartSchedule, StopSchedule, WindowEdge } from './types.js';

export const SCHEDULE_TYPES = ['interval', 'daily', 'daily-interval', 'explicit', 'cron'] as const;
const STOP_TYPES = ['duration', 'daytime'] as const;

export interface ScheduleOptions {
  /** Directory of `NAME.cal` files (settings `calendars_dir`), else `ORA_CALENDARS`. */
  calendarsDir: string | null;
}

/** Parses `schedule:` (one item, a list, or null). Items with problems are left out. */
export function parseSchedules(
  ctx: FileContext,
  node: Value | undefined,
  options: ScheduleOptions,
): ScheduleItem[] {
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return [];
  const items: ScheduleItem[] = [];
  for (const item of oneOrList(node, ctx)) {
    const parsed = parseItem(ctx, item, options);
    if (parsed !== undefined) items.push(parsed);
  }
  return items;
}

function parseItem(ctx: FileContext, node: Value, options: ScheduleOptions): ScheduleItem | undefined {
  if (node === null || !isMap(node)) {
    ctx.error(node, `a schedule must be a mapping with a 'type', got ${describe(node)}`);
    return undefined;
  }
  const reader = new MapReader(ctx, node, 'schedule');
  const keys = reader.keys();
  const isWrapper = keys.includes('start') && keys.every((k) => k === 'start' || k === 'stop');
  if (!isWrapper) {
    const start = parseStart(ctx, node, options);
    return start === undefined ? undefined : { start };
  }
  const start = parseStart(ctx, reader.take('start') ?? null, options);
  const stopNode = reader.take('stop');
  const stop = stopNode === undefined ? undefined : parseStop(ctx, stopNode);
  if (start === undefined || stop === null) return undefined;
  return stop === undefined ? { start } : { start, stop };
}

function parseStart(ctx: FileContext, node: Value, options: ScheduleOptions): StartSchedule | undefined {
  if (node === null || !isMap(node)) {
    ctx.error(node, `a schedule must be a mapping with a 'type', got ${describe(node)}`);
    return undefined;
  }
  const r = new MapReader(ctx, node, 'schedule');
  const typeNode = r.take('type');
  if (typeNode === undefined) {
    ctx.error(node, `schedule has no 'type'; use one of ${SCHEDULE_TYPES.join(', ')}`);
    return undefined;
  }
  const type = readString(ctx, typeNode, 'schedule type');
  if (type === undefined) return undefined;
  const enabledNode = r.take('enabled');
  const enabled = enabledNode === undefined ? true : readBool(ctx, enabledNode, 'enabled');
  const argsNode = r.take('args');
  const args: Args | undefined = argsNode === undefined ? {} : readArgs(ctx, argsNode, 'schedule args');
  const common = ['type', 'enabled', 'args'];
  const before = ctx.problems.length;
  let schedule: StartSchedule | undefined;
  switch (type) {
    case 'interval': {
      const intervalNode = r.take('interval');
      const interval =
        intervalNode === undefined
          ? missing(ctx, node, 'interval', 'interval schedule', 'a positive duration such as 1h')
          : readDuration(ctx, intervalNode, 'interval', true);
      const phaseNode = r.take('phase');
      const phase = phaseNode === undefined ? 0 : readDuration(ctx, phaseNode, 'phase');
      if (interval !== undefined && phase !== undefined && (phase < 0 || phase >= interval)) {
        ctx.error(
          phaseNode ?? node,
          `phase (${phase} s) must be at least 0 and less than the interval (${interval} s)`,
        );
      }
      r.finish([...common, 'interval', 'phase']);
      if (interval !== undefined && phase !== undefined)
        schedule = { type, interval, phase, enabled: enabled ?? true, args: args ?? {} };
      break;
    }
    case 'daily': {
      const tz = requiredTz(ctx, r, node, 'daily schedule');
      const daytimeNode = r.take('daytime');
      const daytimes: number[] = [];
      if (daytimeNode === undefined)
        missing(
          ctx,
          node,
          'daytime',
          'daily schedule',
          'a time of day such as "09:30:00", or a list of them',
        );
      else
        for (const item of oneOrList(daytimeNode, ctx)) {
          const d = readDaytime(ctx, item, 'daytime');
          if (d !== undefined) daytimes.push(d);
        }
      const calendar = readCalendar(ctx, r.take('calendar'), options);
      const dateShift = optionalInt(ctx, r.take('date_shift'), 'date_shift');
      const calShift = optionalInt(ctx, r.take('cal_shift'), 'cal_shift');
      const tsNode = r.take('time_shift');
      const timeShift = tsNode === undefined ? 0 : readDuration(ctx, tsNode, 'time_shift');
      r.finish([...common, 'tz', 'daytime', 'calendar', 'date_shift', 'cal_shift', 'time_shift'], {
        time: 'daytime',
      });
      if (
        tz !== undefined &&
        calendar !== undefined &&
        dateShift !== undefined &&
        calShift !== undefined &&
        timeShift !== undefined
      )
        schedule = {
          type,
          tz,
          daytimes: daytimes.sort((a, b) => a - b),
          calendar,
          dateShift,
          calShift,
          timeShift,
          enabled: enabled ?? true,
          args: args ?? {},
        };
      break;
    }
    case 'daily-interval': {
      const tz = requiredTz(ctx, r, node, 'daily-interval schedule');
      const calendar = readCalendar(ctx, r.take('calendar'), options);
      const startNode = r.take('start');
      const stopNode = r.take('stop');
      const start =
        startNode === undefined
          ? missing(ctx, node, 'start', 'daily-interval schedule', 'a time of day')
          : readEdge(ctx, startNode, 'start');
      const stop =
        stopNode === undefined
          ? missing(ctx, node, 'stop', 'daily-interval schedule', 'a time of day')
          : readEdge(ctx, stopNode, 'stop');
      const intervalNode = r.take('interval');
      let interval =
        intervalNode === undefined
          ? missing(ctx, node, 'interval', 'daily-interval schedule', 'a duration below one day such as 30m')
          : readDuration(ctx, intervalNode, 'interval', true);
      if (interval !== undefined && interval >= 86_400) {
        ctx.error(intervalNode ?? node, `interval (${interval} s) must be less than one day (86400 s)`);
        interval = undefined;
      }
      r.finish([...common, 'tz', 'calendar', 'start', 'stop', 'interval']);
      if (
        tz !== undefined &&
        calendar !== undefined &&
        start !== undefined &&
        stop !== undefined &&
        interval !== undefined
      )
        schedule = { type, tz, calendar, start, stop, interval, enabled: enabled ?? true, args: args ?? {} };
      break;
    }
    case 'explicit': {
      const timesNode = r.take('times');
      const times: number[] = [];
      if (timesNode === undefined)
        missing(ctx, node, 'times', 'explicit schedule', 'an ISO time with an offset, or a list of them');
      else
        for (const item of oneOrList(timesNode, ctx)) {
          const text = readString(ctx, item, 'explicit time');
          if (text === undefined) continue;
          const t = parseInstant(text);
          if (t === null)
            ctx.error(
              item,
              `explicit time ${quoted(text)} is not an ISO 8601 time with an offset or Z (such as 2027-01-01T09:00:00Z); explicit time needs an offset or Z`,
            );
          else times.push(t);
        }
      r.finish([...common, 'times']);
      schedule = { type, times: times.sort((a, b) => a - b), enabled: enabled ?? true, args: args ?? {} };
      break;
    }
    case 'cron': {
      const tz = requiredTz(ctx, r, node, 'cron schedule');
      const exprNode = r.take('expr');
      let expr: string | undefined;
      if (exprNode === undefined)
        missing(ctx, node, 'expr', 'cron schedule', 'a cron expression such as "0 9 * * Mon-Fri"');
      else {
        expr = readString(ctx, exprNode, 'expr');
        const problem = expr === undefined ? null : validateCron(expr);
        if (problem !== null) {
          ctx.error(exprNode, `bad cron expression ${quoted(expr ?? '')}: ${problem}`);
          expr = undefined;
        }
      }
      r.finish([...common, 'tz', 'expr']);
      if (tz !== undefined && expr !== undefined)
        schedule = { type, expr, tz, enabled: enabled ?? true, args: args ?? {} };
      break;
    }
    default: {
      const hint = didYouMean(type, SCHEDULE_TYPES);
      ctx.error(
        typeNode,
        `unknown schedule type ${quoted(type)}${hint === null ? '' : ` (did you mean ${quoted(hint)}?)`}; known types: ${SCHEDULE_TYPES.join(', ')}`,
      );
      return undefined;
    }
  }
  if (enabled === undefined || args === undefined || ctx.problems.length > before) return undefined;
  return schedule;
}

function parseStop(ctx: FileContext, node: Value): StopSchedule | null {
  if (node === null || !isMap(node)) {
    ctx.error(
      node,
      `a stop schedule must be a mapping with a 'type' (duration or daytime), got ${describe(node)}`,
    );
    return null;
  }
  const r = new MapReader(ctx, node, 'stop schedule');
  const typeNode = r.take('type');
  const type = typeNode === undefined ? undefined : readString(ctx, typeNode, 'stop schedule type');
  if (typeNode === undefined) ctx.error(node, `stop schedule has no 'type'; use duration or daytime`);
  const before = ctx.problems.length;
  if (type === 'duration') {
    const dNode = r.take('duration');
    const duration =
      dNode === undefined
        ? missing(ctx, node, 'duration', 'duration stop schedule', 'a duration such as 30m')
        : readDuration(ctx, dNode, 'duration');
    r.finish(['type', 'duration']);
    return duration !== undefined && ctx.problems.length === before ? { type, duration } : null;
  }
  if (type === 'daytime') {
    const tz = requiredTz(ctx, r, node, 'daytime stop schedule');
    const dNode = r.take('daytime');
    const daytime =
      dNode === undefined
        ? missing(ctx, node, 'daytime', 'daytime stop schedule', 'a time of day')
        : readDaytime(ctx, dNode, 'daytime');
    r.finish(['type', 'daytime', 'tz']);
    return tz !== undefined && daytime !== undefined && ctx.problems.length === before
      ? { type, daytime, tz }
      : null;
  }
  if (type !== undefined)
    ctx.error(
      typeNode ?? node,
      `unknown stop schedule type ${quoted(type)}; known types: ${STOP_TYPES.join(', ')}`,
    );
  return null;
}

function readEdge(ctx: FileContext, node: Value, what: string): WindowEdge | undefined {
  if (node !== null && isMap(node)) {
    const r = new MapReader(ctx, node, `${what} of daily-interval schedule`);
    const dNode = r.take('daytime');
    const daytime =
      dNode === undefined
        ? missing(ctx, node, 'daytime', what, 'a time of day')
        : readDaytime(ctx, dNode, `${what} daytime`);
    const dateShift = optionalInt(ctx, r.take('date_shift'), 'date_shift');
    const calShift = optionalInt(ctx, r.take('cal_shift'), 'cal_shift');
    r.finish(['daytime', 'date_shift', 'cal_shift']);
    if (daytime === undefined || dateShift === undefined || calShift === undefined) return undefined;
    return { daytime, dateShift, calShift };
  }
  const daytime = readDaytime(ctx, node, what);
  return daytime === undefined ? undefined : { daytime, dateShift: 0, calShift: 0 };
}

function readCalendar(
  ctx: FileContext,
  node: Value | undefined,
  options: ScheduleOptions,
): Calendar | undefined {
  if (node === undefined) return loadOrReport(ctx, null, 'all', options);
  const expr = readString(ctx, node, 'calendar');
  return expr === undefined ? undefined : loadOrReport(ctx, node, expr, options);
}

function loadOrReport(
  ctx: FileContext,
  node: Value,
  expr: string,
  options: ScheduleOptions,
): Calendar | undefined {
  const result = loadCalendar(expr, options.calendarsDir);
  if ('error' in result) {
    ctx.error(node, result.error);
    return undefined;
  }
  return result;
}

function requiredTz(ctx: FileContext, r: MapReader, node: Value, what: string): string | undefined {
  const tzNode = r.take('tz');
  if (tzNode === undefined)
    return missing(ctx, node, 'tz', what, 'an IANA time zone such as America/New_York or UTC');
  return readTimeZone(ctx, tzNode, 'tz');
}

function optionalInt(ctx: FileContext, node: Value | undefined, what: string): number | undefined {
  return node === undefined ? 0 : readInt(ctx, node, what);
}

function missing(ctx: FileContext, node: Value, key: string, what: string, help: string): undefined {
  ctx.error(node, `${what} is missing ${quoted(key)}; add ${key}: ${help}`);
  return undefined;
}
