/**
 * The whole view state in the URL (SPEC 19.8): the screen, its object and its query (filters, sort, windows, chart
 * range, zone) live in the hash, `#/runs?state=failure,error&order=asc&zone=UTC`, so a view can be shared and Back
 * and Forward restore it. Pure: parsing and writing only.
 */
import type { RunFilter as ApiRunFilter } from '../../../shared/api/console-api.js';
import { RUN_STATES, type RunState } from '../../../shared/model/states.js';
import type { RunFilter } from './run-table.js';
import { parseArgFilter } from './run-table.js';

export type View = 'dashboard' | 'jobs' | 'job' | 'runs' | 'run' | 'plan' | 'folder' | 'export';

export interface Route {
  view: View;
  /** The job ID (`job`) or run ID (`run`); '' for other views. */
  id: string;
  /** The query, in the order written. */
  params: Record<string, string>;
}

const VIEWS: Record<string, View> = {
  jobs: 'jobs',
  runs: 'runs',
  plan: 'plan',
  folder: 'folder',
  export: 'export',
};

/** Reads `#/runs?state=failure`; anything unknown is the dashboard. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(raw.slice(q + 1))) params[k] = v;
  const [head, ...rest] = path.split('/').filter((p) => p !== '');
  let tail: string;
  try {
    tail = rest.map(decodeURIComponent).join('/');
  } catch {
    tail = rest.join('/');
  }
  const view = head === undefined ? undefined : VIEWS[head];
  if (view === 'jobs' && tail !== '') return { view: 'job', id: tail, params };
  if (view === 'runs' && tail.startsWith('job:')) {
    // The older `#/runs/job:ID` link: the run list filtered to the job.
    return { view: 'runs', id: '', params: { ...params, job: tail.slice(4) } };
  }
  if (view === 'runs' && tail !== '') return { view: 'run', id: tail, params };
  return { view: view ?? 'dashboard', id: '', params };
}

/** The hash of a route; empty params are left out. */
export function routeHash(route: Route): string {
  let path: string;
  switch (route.view) {
    case 'dashboard':
      path = '#/';
      break;
    case 'job':
      path = `#/jobs/${route.id.split('/').map(encodeURIComponent).join('/')}`;
      break;
    case 'run':
      path = `#/runs/${encodeURIComponent(route.id)}`;
      break;
    default:
      path = `#/${route.view}`;
  }
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(route.params)) if (v !== '') q.set(k, v);
  const query = q.toString();
  return query === '' ? path : `${path}?${query}`;
}

/** Shorthands for links. */
export const to = {
  dashboard: (params: Record<string, string> = {}): string =>
    routeHash({ view: 'dashboard', id: '', params }),
  jobs: (params: Record<string, string> = {}): string => routeHash({ view: 'jobs', id: '', params }),
  job: (jobId: string, params: Record<string, string> = {}): string =>
    routeHash({ view: 'job', id: jobId, params }),
  runs: (params: Record<string, string> = {}): string => routeHash({ view: 'runs', id: '', params }),
  run: (runId: string): string => routeHash({ view: 'run', id: runId, params: {} }),
  plan: (params: Record<string, string> = {}): string => routeHash({ view: 'plan', id: '', params }),
};

/** The run list's state as the URL carries it. */
export interface RunListState {
  /** Job path prefix. */
  job: string;
  /** Keywords of the job ID. */
  q: string;
  labels: string;
  args: string;
  states: RunState[];
  /** Only runs that entered their state at or after this ISO time ('' for no bound). */
  since: string;
  /** Only runs that entered their state before this ISO time ('' for no bound). */
  before: string;
  /** Only runs whose stop time is before this ISO time ('' for no bound): overdue runs. */
  stopBefore: string;
  descending: boolean;
}

export function runListState(params: Record<string, string>): RunListState {
  const states = (params['state'] ?? '')
    .split(',')
    .filter((s): s is RunState => (RUN_STATES as readonly string[]).includes(s));
  const time = (name: string): string => {
    const t = params[name] ?? '';
    return Number.isNaN(Date.parse(t)) ? '' : t;
  };
  return {
    job: params['job'] ?? '',
    q: params['q'] ?? '',
    labels: params['labels'] ?? '',
    args: params['args'] ?? '',
    states,
    since: time('since'),
    before: time('before'),
    stopBefore: time('stop_before'),
    descending: params['order'] !== 'asc',
  };
}

export function runListParams(s: RunListState): Record<string, string> {
  return {
    job: s.job,
    q: s.q,
    labels: s.labels,
    args: s.args,
    state: s.states.join(','),
    since: s.since,
    before: s.before,
    stop_before: s.stopBefore,
    order: s.descending ? '' : 'asc',
  };
}

/**
 * The run list's URL query for a filter of GET /api/v1/runs (an attention count's), so the list it opens shows the
 * runs the count counted: states, `since`, `before`, `stop_before` and the job as the path prefix.
 */
export function runListParamsOf(f: ApiRunFilter): Record<string, string> {
  return runListParams({
    job: f.job_id ?? '',
    q: '',
    labels: '',
    args: '',
    states: f.state === undefined ? [] : [f.state].flat(),
    since: f.since ?? '',
    before: f.before ?? '',
    stopBefore: f.stop_before ?? '',
    descending: true,
  });
}

/** The RunTable filter of a run list state. */
export function runFilterOf(s: RunListState): RunFilter {
  return {
    jobPrefix: s.job.trim(),
    keywords: s.q.split(/\s+/).filter((w) => w !== ''),
    states: [...s.states],
    args: parseArgFilter(s.args),
    labels: s.labels.split(/[\s,]+/).filter((w) => w !== ''),
    since: s.since === '' ? null : Date.parse(s.since),
    before: s.before === '' ? null : Date.parse(s.before),
    stopBefore: s.stopBefore === '' ? null : Date.parse(s.stopBefore),
  };
}

/** Whether the state filters anything (for "no match: clear the filter"). */
export function isFiltered(s: RunListState): boolean {
  return (
    s.job.trim() !== '' ||
    s.q.trim() !== '' ||
    s.labels.trim() !== '' ||
    s.args.trim() !== '' ||
    s.states.length > 0 ||
    s.since !== '' ||
    s.before !== '' ||
    s.stopBefore !== ''
  );
}

/** A time window of the URL (`1h`, `24h`, `7d`, `30d`) in seconds, or `fallback`. */
export function windowSeconds(
  text: string | undefined,
  allowed: readonly string[],
  fallback: string,
): number {
  const w = text !== undefined && allowed.includes(text) ? text : fallback;
  const m = /^(\d+)([hd])$/.exec(w);
  if (m === null) return 3600;
  return Number(m[1]) * (m[2] === 'h' ? 3600 : 86_400);
}
