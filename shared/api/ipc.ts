/**
 * The desktop transport of the console's contract (SPEC 16.4, STYLE.md section 3): the one list of IPC channels,
 * a pure validator for each request's input, and the payloads of live events. main/electron registers one handler
 * per entry of REQUESTS and preload/ builds its bridge from the same table: no channel string is typed elsewhere.
 *
 * Every request carries its arguments as one array (the parameters of the ConsoleApi method, in order) and every
 * answer is a Result value, never a thrown error (Electron keeps only a thrown error's message).
 */
import {
  ATTENTION_WINDOWS,
  type AttentionWindow,
  type ConsoleApi,
  type Operation,
  type RunFilter,
  type RunStreamMessage,
  type ScheduleRequest,
  type SummaryMessage,
} from './console-api.js';
import { FINISHED_STATES, isRunState, type RunState } from '../model/states.js';

/** An error answered over IPC: `status` as on the HTTP API (400, 404, 500). */
export interface IpcError {
  status?: number;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** A folder of the recent folders list; `missing` when it no longer exists on disk (SPEC 19.6). */
export interface RecentFolder {
  path: string;
  missing: boolean;
}

/** The open job folder (null while none is open) and the recent folders, most recent first. */
export interface DesktopFolder {
  path: string | null;
  recent: RecentFolder[];
}

/** Desktop-only requests (SPEC 19.6): folder switching, reveal, and the stats export through a save dialog. */
export interface DesktopApi {
  folder(): Promise<DesktopFolder>;
  /** Shows the native open-folder dialog and switches to the chosen folder (unchanged when cancelled). */
  openFolder(): Promise<DesktopFolder>;
  /** Switches to a folder of the recent list (any other path is refused). */
  openRecent(path: string): Promise<DesktopFolder>;
  /** Shows a job's file in the system file manager. */
  revealJobFile(jobId: string): Promise<void>;
  /** Opens the job folder in the system file manager. */
  showJobFolder(): Promise<void>;
  /** Writes the stats history CSV (SPEC 17.5) where a save dialog says; the path written, or null if cancelled. */
  saveStatsCsv(from: string | null, to: string | null): Promise<string | null>;
}

/** What the desktop preload exposes as `window.apsis`. */
export type DesktopConsoleApi = ConsoleApi & { desktop: DesktopApi };

type Subscribe = 'subscribeSummary' | 'subscribeRun' | 'subscribeOutput';
type Call<F> = F extends (...args: infer A) => Promise<infer R> ? { input: A; output: R } : never;

/** Input (argument tuple) and output of every request. */
export type Requests = { [K in Exclude<keyof ConsoleApi, Subscribe>]: Call<ConsoleApi[K]> } & {
  [K in keyof DesktopApi]: Call<DesktopApi[K]>;
} & {
  /** Starts the summary stream of subscription `sub` (with init), answered on EVENTS.summary. */
  subscribeSummary: { input: [sub: string]; output: null };
  subscribeRun: { input: [sub: string, runId: string]; output: null };
  subscribeOutput: { input: [sub: string, runId: string, start: number]; output: null };
  unsubscribe: { input: [sub: string]; output: null };
};

export type RequestName = keyof Requests;
export type RequestInput<K extends RequestName> = Requests[K]['input'];
export type RequestOutput<K extends RequestName> = Requests[K]['output'];

/** Messages main → renderer, each tagged with the subscription it belongs to. */
export interface EventPayloads {
  /** A batch of the summary stream; `reset` on the first batch of each init (connect, or a folder switch). */
  summary: { sub: string; reset: boolean; messages: SummaryMessage[] };
  run: { sub: string; message: RunStreamMessage };
  /** Output text up to byte offset `end`; `done` once the run has finished and everything was sent. */
  output: { sub: string; text: string; end: number } | { sub: string; done: true };
}
export type EventName = keyof EventPayloads;

// ---- validators ------------------------------------------------------------------------------------------

/** One argument: the check of its value, and the message naming what is wrong with a value that fails it. */
interface Arg<T> {
  check: (v: unknown) => v is T;
  problem: (v: unknown) => string;
}

/** An argument whose message is `NAME must be WANT`. */
function arg<T>(name: string, want: string, check: (v: unknown) => v is T): Arg<T> {
  return { check, problem: () => `${name} must be ${want}` };
}

type Validator<T> = (raw: unknown) => Result<T>;

const MAX_TEXT = 4096;

function isText(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT && !v.includes('\u0000');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const text = (name: string): Arg<string> => arg(name, 'a non-empty string', isText);

const nullableTime = (name: string): Arg<string | null> =>
  arg(
    name,
    'null or an ISO 8601 time string',
    (v): v is string | null => v === null || (typeof v === 'string' && v.length > 0 && v.length <= 64),
  );

const nullableText = (name: string): Arg<string | null> =>
  arg(name, 'null or a non-empty string', (v): v is string | null => v === null || isText(v));

const sub = arg(
  'sub',
  'a subscription id of 1 to 64 letters, digits, - or _',
  (v): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v),
);

const bool = (name: string): Arg<boolean> =>
  arg(name, 'true or false', (v): v is boolean => typeof v === 'boolean');

function oneOf<T extends string>(name: string, values: readonly T[]): Arg<T> {
  return arg(
    name,
    `one of ${values.join(', ')}`,
    (v): v is T => typeof v === 'string' && (values as readonly string[]).includes(v),
  );
}

const OPERATIONS = ['start', 'skip', 'stop', 'rerun'] as const satisfies readonly Operation[];

const signal = arg(
  'signal',
  'a signal name or number (TERM, SIGTERM, 15)',
  (v): v is string => typeof v === 'string' && /^[A-Za-z0-9]{1,16}$/.test(v),
);

const offset = arg(
  'start',
  'a whole number of bytes, 0 or more',
  (v): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
);

const step = arg(
  'step',
  'null or a number of seconds greater than 0',
  (v): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0),
);

const SCHEDULE_KEYS = new Set(['job_id', 'args', 'schedule', 'stop']);

/** Checks a ScheduleRequest; the message names the first bad field. */
function scheduleProblem(v: unknown): string | null {
  if (!isRecord(v)) return 'must be an object {job_id, args, schedule?, stop?}';
  const unknown = Object.keys(v).filter((k) => !SCHEDULE_KEYS.has(k));
  if (unknown.length > 0) return `has unknown field ${unknown.join(', ')}; use job_id, args, schedule, stop`;
  if (!isText(v['job_id'])) return 'job_id must be a non-empty string';
  const args = v['args'];
  if (!isRecord(args) || !Object.values(args).every((a) => typeof a === 'string'))
    return 'args must be a mapping of names to strings';
  for (const key of ['schedule', 'stop'] as const) {
    const t = v[key];
    if (t !== undefined && !(typeof t === 'string' && t.length > 0 && t.length <= 64))
      return `${key} must be a non-empty string when given`;
  }
  return null;
}

const scheduleRequest: Arg<ScheduleRequest> = {
  check: (v): v is ScheduleRequest => scheduleProblem(v) === null,
  problem: (v) => `request ${scheduleProblem(v) ?? 'is not valid'}`,
};

const FILTER_KEYS = new Set(['job_id', 'state', 'since', 'before', 'stop_before', 'run_ids', 'args']);
const isTime = (v: unknown): boolean => typeof v === 'string' && v.length > 0 && v.length <= 64;

/** Checks a RunFilter; the message names the first bad field. */
function filterProblem(v: unknown): string | null {
  if (!isRecord(v))
    return 'must be an object {job_id?, state?, since?, before?, stop_before?, run_ids?, args?}';
  const unknown = Object.keys(v).filter((k) => !FILTER_KEYS.has(k));
  if (unknown.length > 0)
    return `has unknown field ${unknown.join(', ')}; use ${[...FILTER_KEYS].join(', ')}`;
  if (v['job_id'] !== undefined && !isText(v['job_id'])) return 'job_id must be a non-empty string';
  const state = v['state'];
  if (
    state !== undefined &&
    !isRunState(state) &&
    !(Array.isArray(state) && state.length <= 16 && state.every((s) => isRunState(s)))
  )
    return 'state must be a run state or a list of run states';
  for (const key of ['since', 'before', 'stop_before'] as const)
    if (v[key] !== undefined && !isTime(v[key])) return `${key} must be an ISO 8601 time string`;
  const ids = v['run_ids'];
  if (ids !== undefined && !(Array.isArray(ids) && ids.length <= 10_000 && ids.every((id) => isText(id))))
    return 'run_ids must be a list of at most 10000 run IDs';
  const args = v['args'];
  if (args !== undefined && !(isRecord(args) && Object.values(args).every((a) => typeof a === 'string')))
    return 'args must be a mapping of names to strings';
  return null;
}

const runFilter: Arg<RunFilter> = {
  check: (v): v is RunFilter => filterProblem(v) === null,
  problem: (v) => `filter ${filterProblem(v) ?? 'is not valid'}`,
};

const attentionWindow = arg(
  'window',
  `null or one of ${ATTENTION_WINDOWS.join(', ')}`,
  (v): v is AttentionWindow | null => v === null || (ATTENTION_WINDOWS as readonly unknown[]).includes(v),
);

/** A validator for an argument tuple: an array of exactly these arguments, each passing its check. */
function args<T extends unknown[]>(request: string, ...spec: { [I in keyof T]: Arg<T[I]> }): Validator<T> {
  const list = spec as readonly Arg<unknown>[];
  return (raw) => {
    const fail = (message: string): Result<T> => ({ ok: false, error: { status: 400, message } });
    if (!Array.isArray(raw)) return fail(`${request}: the arguments must be an array`);
    if (raw.length !== list.length)
      return fail(`${request}: takes ${list.length} argument(s), got ${raw.length}`);
    for (const [i, a] of list.entries()) {
      const value: unknown = raw[i];
      if (!a.check(value)) return fail(`${request}: ${a.problem(value)}`);
    }
    return { ok: true, value: raw as T };
  };
}

interface RequestSpec<K extends RequestName> {
  channel: string;
  validate: Validator<RequestInput<K>>;
}

const channel = (name: RequestName): string => `apsis:${name}`;

function spec<K extends RequestName>(name: K, validate: Validator<RequestInput<K>>): RequestSpec<K> {
  return { channel: channel(name), validate };
}

/** Every request: its channel and the validator of its input. */
export const REQUESTS: { readonly [K in RequestName]: RequestSpec<K> } = {
  jobs: spec('jobs', args('jobs')),
  job: spec('job', args('job', text('jobId'))),
  run: spec('run', args('run', text('runId'))),
  runLog: spec('runLog', args('runLog', text('runId'))),
  output: spec('output', args('output', text('runId'))),
  schedule: spec('schedule', args('schedule', scheduleRequest)),
  operate: spec('operate', args('operate', text('runId'), oneOf('op', OPERATIONS))),
  signal: spec('signal', args('signal', text('runId'), signal)),
  mark: spec('mark', args<[string, RunState]>('mark', text('runId'), oneOf('state', FINISHED_STATES))),
  reload: spec('reload', args('reload', bool('dryRun'))),
  runs: spec('runs', args('runs', runFilter)),
  attention: spec('attention', args('attention', attentionWindow)),
  plan: spec('plan', args('plan', nullableTime('from'), nullableTime('to'), nullableText('jobId'))),
  stats: spec('stats', args('stats')),
  statsHistory: spec('statsHistory', args('statsHistory', nullableTime('from'), nullableTime('to'), step)),
  statsCsv: spec('statsCsv', args('statsCsv', nullableTime('from'), nullableTime('to'))),
  subscribeSummary: spec('subscribeSummary', args('subscribeSummary', sub)),
  subscribeRun: spec('subscribeRun', args('subscribeRun', sub, text('runId'))),
  subscribeOutput: spec('subscribeOutput', args('subscribeOutput', sub, text('runId'), offset)),
  unsubscribe: spec('unsubscribe', args('unsubscribe', sub)),
  folder: spec('folder', args('folder')),
  openFolder: spec('openFolder', args('openFolder')),
  openRecent: spec('openRecent', args('openRecent', text('path'))),
  revealJobFile: spec('revealJobFile', args('revealJobFile', text('jobId'))),
  showJobFolder: spec('showJobFolder', args('showJobFolder')),
  saveStatsCsv: spec('saveStatsCsv', args('saveStatsCsv', nullableTime('from'), nullableTime('to'))),
};

export const REQUEST_NAMES = Object.keys(REQUESTS) as RequestName[];

/** Channels of the live events, main → renderer. */
export const EVENTS: { readonly [K in EventName]: string } = {
  summary: 'apsis:event:summary',
  run: 'apsis:event:run',
  output: 'apsis:event:output',
};

/** Whether `v` is the payload of event `name` for some subscription (the bridge drops anything else). */
export function isEventPayload<K extends EventName>(name: K, v: unknown): v is EventPayloads[K] {
  if (!isRecord(v) || typeof v['sub'] !== 'string') return false;
  switch (name) {
    case 'summary':
      return typeof v['reset'] === 'boolean' && Array.isArray(v['messages']);
    case 'run':
      return isRecord(v['message']);
    default:
      return v['done'] === true || (typeof v['text'] === 'string' && typeof v['end'] === 'number');
  }
}
