/**
 * The Ora-like helpers templates can call (SPEC 7): `Date`, `Daytime`, `Time`, `TimeZone`, `to_local`,
 * `from_local` and `format` (`get_calendar` is in calendar-helper.ts). They accept strings, since args
 * are strings, or helper values; a bad argument is an ExpressionError that names the helper.
 */
import { dayFromYmd, parseDay, ymdFromDay } from '../time/days.js';
import { parseDaytime } from '../time/daytime.js';
import { parseInstant } from '../time/instants.js';
import { canonicalZone, resolveLocal, toLocal } from '../time/zones.js';
import { BudgetExceeded } from './budget.js';
import { formatValue } from './format-spec.js';
import { PyMarkup, PyTuple } from './py-values.js';
import {
  describeValue,
  ExpressionError,
  TemplateDate,
  TemplateDaytime,
  TemplateLocalTime,
  TemplateTime,
  TemplateTimeZone,
  toInteger,
} from './values.js';

/** A helper as templates call it. */
export type Helper = (...args: unknown[]) => unknown;

const isPair = (v: unknown): v is readonly [unknown, unknown] => Array.isArray(v) && v.length === 2;

/** The text of a string (or Markup), else null. */
export function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  return value instanceof PyMarkup ? value.text : null;
}

/** Checks the argument count (keyword arguments are refused where helpers are wrapped, globals.ts). */
export function expectArgs(where: string, args: readonly unknown[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const count = min === max ? `${min}` : `${min} to ${max}`;
    throw new ExpressionError(`${where} takes ${count} argument${max === 1 ? '' : 's'}, got ${args.length}`);
  }
}

/** A date from a Date, `YYYY-MM-DD` or `YYYYMMDD`. */
export function toDate(where: string, value: unknown): TemplateDate {
  if (value instanceof TemplateDate) return value;
  const text = textOf(value)?.trim();
  const day =
    text === undefined
      ? null
      : (parseDay(text) ?? parseDay(text.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3')));
  if (day === null)
    throw new ExpressionError(`${where}: expected a date 'YYYY-MM-DD', got ${describeValue(value)}`);
  return dateInRange(where, day);
}

function dateInRange(where: string, day: number): TemplateDate {
  try {
    return new TemplateDate(day);
  } catch (e) {
    throw new ExpressionError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function toDaytime(where: string, value: unknown): TemplateDaytime {
  if (value instanceof TemplateDaytime) return value;
  const text = textOf(value);
  const seconds = text === null ? null : parseDaytime(text);
  if (seconds === null)
    throw new ExpressionError(`${where}: expected a daytime 'HH:MM:SS', got ${describeValue(value)}`);
  return new TemplateDaytime(seconds);
}

function toTime(where: string, value: unknown): TemplateTime {
  if (value instanceof TemplateTime) return value;
  const text = textOf(value);
  const ms = text === null ? null : parseInstant(text);
  if (ms === null) {
    throw new ExpressionError(
      `${where}: expected a time with an offset such as '2019-11-13T07:42:00+00:00', got ${describeValue(value)}`,
    );
  }
  return new TemplateTime(ms);
}

function toTimeZone(where: string, value: unknown): TemplateTimeZone {
  if (value instanceof TemplateTimeZone) return value;
  const text = textOf(value);
  const zone = text === null ? null : canonicalZone(text);
  if (zone === null) throw new ExpressionError(`${where}: unknown time zone ${describeValue(value)}`);
  return new TemplateTimeZone(zone);
}

function makeDate(...args: unknown[]): TemplateDate {
  expectArgs('Date()', args, 1, 3);
  if (args.length === 1) return toDate('Date()', args[0]);
  expectArgs('Date()', args, 3, 3);
  const year = Number(toInteger('Date()', 'year', args[0]));
  const month = Number(toInteger('Date()', 'month', args[1]));
  const day = Number(toInteger('Date()', 'day', args[2]));
  const n = dayFromYmd(year, month, day);
  const back = ymdFromDay(n);
  if (month < 1 || month > 12 || back.month !== month || back.day !== day) {
    throw new ExpressionError(`Date(): no such date ${year}-${month}-${day}`);
  }
  return dateInRange('Date()', n);
}

function makeDaytime(...args: unknown[]): TemplateDaytime {
  expectArgs('Daytime()', args, 1, 3);
  if (args.length === 1) return toDaytime('Daytime()', args[0]);
  const hour = Number(toInteger('Daytime()', 'hour', args[0]));
  const minute = Number(toInteger('Daytime()', 'minute', args[1]));
  const secondArg = args[2] ?? 0;
  const second = typeof secondArg === 'bigint' ? Number(secondArg) : secondArg;
  if (
    typeof second !== 'number' ||
    !(second >= 0 && second < 60) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59
  ) {
    throw new ExpressionError(`Daytime(): no such daytime ${hour}:${minute}:${describeValue(second)}`);
  }
  return new TemplateDaytime(hour * 3600 + minute * 60 + second);
}

/** `from_local(date, daytime, tz)`, or Ora's `from_local(local, tz)` with a LocalTime or a `[date, daytime]` pair. */
function fromLocal(...args: unknown[]): TemplateTime {
  expectArgs('from_local()', args, 2, 3);
  let [date, daytime, tz] = args;
  if (args.length === 2) {
    const local = args[0];
    tz = args[1];
    if (local instanceof TemplateLocalTime) [date, daytime] = [local.date, local.daytime];
    else if (isPair(local)) [date, daytime] = local;
    else if (local instanceof PyTuple && local.items.length === 2) [date, daytime] = local.items;
    else
      throw new ExpressionError(
        `from_local(): expected (date, daytime, tz) or (local, tz), got ${describeValue(local)}`,
      );
  }
  const day = toDate('from_local()', date).dayNumber;
  const seconds = toDaytime('from_local()', daytime).seconds;
  return new TemplateTime(resolveLocal(day, seconds, toTimeZone('from_local()', tz).zoneName));
}

function format(...args: unknown[]): string {
  expectArgs('format()', args, 1, 2);
  const spec = args[1] ?? '';
  const text = textOf(spec);
  if (text === null)
    throw new ExpressionError(`format(): the format spec must be a string, got ${describeValue(spec)}`);
  try {
    return formatValue(args[0], text);
  } catch (e) {
    if (e instanceof BudgetExceeded) throw e;
    throw new ExpressionError(`format(): ${e instanceof Error ? e.message : String(e)}`);
  }
}

function makeTime(...args: unknown[]): TemplateTime {
  expectArgs('Time()', args, 1, 1);
  return toTime('Time()', args[0]);
}

function makeTimeZone(...args: unknown[]): TemplateTimeZone {
  expectArgs('TimeZone()', args, 1, 1);
  return toTimeZone('TimeZone()', args[0]);
}

function toLocalTime(...args: unknown[]): TemplateLocalTime {
  expectArgs('to_local()', args, 2, 2);
  const local = toLocal(toTime('to_local()', args[0]).ms, toTimeZone('to_local()', args[1]).zoneName);
  return new TemplateLocalTime(dateInRange('to_local()', local.day), new TemplateDaytime(local.seconds));
}

/** Helpers that are the same for every render, by template name. */
export const STATIC_HELPERS: Readonly<Record<string, Helper>> = {
  Date: makeDate,
  Daytime: makeDaytime,
  Time: makeTime,
  TimeZone: makeTimeZone,
  to_local: toLocalTime,
  from_local: fromLocal,
  format,
};
