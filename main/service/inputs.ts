/**
 * The gate's checks on what a client sends (SPEC 15.1): types, ranges and sizes, with messages naming the field. Past
 * these, the engine may trust what it gets: times are real instants, args are bounded strings, a job definition is
 * bounded in depth, a request asks for a bounded amount of work.
 */
import { ApiError } from '../../shared/api/console-api.js';
import type { Problem } from '../../shared/model/problem.js';
import { isRunState, RUN_STATES, type RunState } from '../../shared/model/states.js';
import { parseDuration } from '../time/durations.js';
import { parseInstant } from '../time/instants.js';
import { DEFAULT_LIMITS } from '../templating/index.js';

/** Instants a request may name: years 1 to 9999 UTC (SPEC 15.1). Date.UTC reads years 0-99 as 1900-1999. */
const YEAR_ONE = new Date('0001-01-01T00:00:00Z').getTime();
const LAST_MS = new Date('9999-12-31T23:59:59.999Z').getTime();
/** Durations a request may give: under 100 years. */
const MAX_DURATION_S = 100 * 365.25 * 86_400;

/** Most bytes of one arg value, and of a run's args together (SPEC 15.1). */
export const MAX_ARG_BYTES = 64 * 1024;
export const MAX_ARGS_BYTES = 256 * 1024;
/** Most runs one request may create, and most bytes of their definitions together. */
export const MAX_COUNT = 1000;
export const MAX_REQUEST_RUN_BYTES = 16 * 1024 * 1024;
/** Deepest nesting of an ad hoc job definition. */
export const MAX_JOB_DEPTH = 64;

export const badRequest = (message: string): ApiError => new ApiError(400, message);

/** A 400 for an ad hoc job that does not validate, carrying its problems (answered as `{error, problems}`). */
export class InvalidJobError extends ApiError {
  constructor(readonly problems: Problem[]) {
    super(400, `invalid job: ${problems.map((p) => p.message).join('; ')}`);
  }
}
export const notFound = (message: string): ApiError => new ApiError(404, message);
export const tooLarge = (message: string): ApiError => new ApiError(413, message);

/** An ISO 8601 instant with an offset or Z within years 1-9999, as epoch ms; 400 naming `field` otherwise. */
export function instantParam(field: string, text: unknown): number {
  const ms = typeof text === 'string' && text.length <= 64 ? parseInstant(text) : null;
  if (ms === null)
    throw badRequest(`${field}: ${describe(text)} is not an ISO 8601 time with an offset or Z`);
  if (ms < YEAR_ONE || ms > LAST_MS)
    throw badRequest(`${field}: ${describe(text)} is outside the years 1 to 9999`);
  return ms;
}

/** A time or a duration relative to `base` (a `stop`), as epoch ms within years 1-9999; 400 naming `field`. */
export function timeOrDurationParam(field: string, value: unknown, base: number): number {
  const ms = typeof value === 'string' && value.length <= 64 ? parseInstant(value) : null;
  if (ms !== null) return instantParam(field, value);
  const d = typeof value === 'string' && value.length <= 64 ? parseDuration(value) : null;
  if (d === null || !d.ok)
    throw badRequest(
      `${field}: use an ISO 8601 time or a duration (such as 30m)${d !== null && !d.ok ? `: ${d.message}` : ''}`,
    );
  if (Math.abs(d.seconds) >= MAX_DURATION_S)
    throw badRequest(`${field}: ${describe(value)} is 100 years or more`);
  const at = base + d.seconds * 1000;
  if (at < YEAR_ONE || at > LAST_MS)
    throw badRequest(`${field}: ${describe(value)} ends outside the years 1 to 9999`);
  return at;
}

/** A run state named in a filter; 400 otherwise. */
export function stateParam(field: string, text: string): RunState {
  if (!isRunState(text))
    throw badRequest(`${field}: '${clip(text)}' is not a run state; use ${RUN_STATES.join(', ')}`);
  return text;
}

/**
 * Args as a client sends them: a mapping of names to strings, each value at most 64 KiB and all at most 256 KiB
 * (413 naming the arg). Returns them as a plain object.
 */
export function argsParam(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw badRequest('args must be a mapping of names to strings');
  const out: Record<string, string> = {};
  let total = 0;
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') throw badRequest(`args: ${clip(name)} must be a string, not ${describe(v)}`);
    const bytes = Buffer.byteLength(v) + Buffer.byteLength(name);
    if (bytes > MAX_ARG_BYTES) throw tooLarge(`args: ${clip(name)} is ${bytes} bytes, over ${MAX_ARG_BYTES}`);
    total += bytes;
    if (total > MAX_ARGS_BYTES)
      throw tooLarge(`args: over ${MAX_ARGS_BYTES} bytes in all (at ${clip(name)})`);
    out[name] = v;
  }
  return out;
}

/** `count` of a schedule request: a whole number from 1 to MAX_COUNT. */
export function countParam(text: string | null): number {
  if (text === null) return 1;
  if (!/^\d{1,7}$/.test(text) || Number(text) < 1)
    throw badRequest(`count must be a whole number from 1 to ${MAX_COUNT}`);
  const count = Number(text);
  if (count > MAX_COUNT) throw tooLarge(`count: ${count} runs in one request, over ${MAX_COUNT}`);
  return count;
}

/** Refuses a value nested deeper than `max` levels (arrays and objects), without recursion. */
export function checkDepth(field: string, value: unknown, max: number): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) throw badRequest(`${field}: nested deeper than ${max} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** A short, printable rendering of a client's value for a message. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return `'${clip(v)}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${clip(JSON.stringify(v) ?? typeof v)}`;
}

/** Text cut to 80 characters with control characters escaped, for a message. */
export function clip(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  let out = '';
  for (const c of cut) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}

/** Schedule and stop times of a request (SPEC 15.3): a duration `stop` is relative to the schedule time. */
export function timesParam(times: unknown, at: number): { time?: number; stop?: number } {
  if (times === undefined || times === null) return {};
  if (typeof times !== 'object' || Array.isArray(times))
    throw badRequest('times must be an object {schedule, stop}');
  const t = times as Record<string, unknown>;
  const out: { time?: number; stop?: number } = {};
  const schedule = t['schedule'];
  if (schedule !== undefined && schedule !== null && schedule !== 'now') {
    if (typeof schedule !== 'string')
      throw badRequest('times.schedule: use "now" or an ISO 8601 time with an offset or Z');
    out.time = instantParam('times.schedule', schedule);
  }
  const stop = t['stop'];
  if (stop !== undefined && stop !== null) out.stop = timeOrDurationParam('times.stop', stop, out.time ?? at);
  return out;
}

/**
 * The template limits of SPEC 7 hold per request, summed over its runs (SPEC 15.1): `count` runs of a job whose
 * binding does `cost` work may not do more than one render may. 413 naming the limit otherwise.
 */
export function checkTemplateWork(
  cost: { iterations: number; outputBytes: number } | undefined,
  count: number,
): void {
  if (cost === undefined) return;
  if (cost.iterations * count > DEFAULT_LIMITS.iterations)
    throw tooLarge(
      `count: ${count} runs of ${cost.iterations} template loop iterations each exceed ` +
        `${DEFAULT_LIMITS.iterations.toLocaleString('en-US')} in one request`,
    );
  if (cost.outputBytes * count > DEFAULT_LIMITS.outputBytes)
    throw tooLarge(
      `count: ${count} runs of ${cost.outputBytes} bytes of rendered templates each exceed 1 MiB in one request`,
    );
}
