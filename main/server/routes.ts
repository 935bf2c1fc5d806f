/**
 * The HTTP API (SPEC 15.3) as a table: method, path, and the service call each route translates to. A route never
 * decides anything: it reads its inputs from the path, the query and the JSON body, calls the console service (the
 * one gate into the engine), and says how to send the answer.
 */
import { ApiError } from '../../shared/api/console-api.js';
import type { ConsoleService } from '../service/console-service.js';
import type { OutputData } from '../service/views.js';

/** What a route reads of its request. */
export interface RouteInput {
  /** Path parameters, percent-decoded. */
  params: string[];
  query: URLSearchParams;
  /** The JSON object of the body (`{}` without one); only for routes with `body: true`. */
  body: Record<string, unknown>;
}

/** How the answer goes out. */
export type Reply =
  | { kind: 'json'; value: unknown }
  /** Chunks of JSON text (or CSV), streamed. */
  | { kind: 'stream'; chunks: AsyncIterable<string>; contentType: string; headers?: Record<string, string> }
  | { kind: 'output'; output: OutputData }
  | { kind: 'text'; text: string; contentType: string }
  /** `{}`, and then the server shuts down. */
  | { kind: 'shut_down' };

export interface Route {
  methods: readonly string[];
  path: RegExp;
  /** Reads a JSON object body. */
  body?: boolean;
  call(service: ConsoleService, input: RouteInput): Reply | Promise<Reply>;
}

const json = (value: unknown): Reply => ({ kind: 'json', value });
const JSON_TYPE = 'application/json; charset=utf-8';
const ok = {};

/**
 * `name=true`, `name=1` or a bare `name` (any case); absent, `false` or `0` is false. Anything else is refused rather than read
 * as false: `reload_jobs?dry_run=yes` must not reload for real.
 */
function flag(query: URLSearchParams, name: string): boolean {
  const text = query.get(name);
  const v = text?.toLowerCase(); // Python clients send True and False
  if (v === undefined || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1' || v === '') return true;
  throw new ApiError(
    400,
    `${name} must be true or false (1 or 0), not ${JSON.stringify(text?.slice(0, 40))}`,
  );
}

/** `[...]` of the items, in chunks. */
async function* jsonArray(items: AsyncIterable<string>): AsyncGenerator<string> {
  let text = '[';
  let first = true;
  for await (const item of items) {
    text += first ? item : `,${item}`;
    first = false;
    if (text.length >= 64 * 1024) {
      yield text;
      text = '';
    }
  }
  yield `${text}]`;
}

/**
 * GET /runs filters: `run_id` and `state` (repeatable), `job_id`, `since`, `before`, `stop_before`, any other name an
 * arg (a leading `_` stripped).
 */
function runsFilter(query: URLSearchParams): Parameters<ConsoleService['runs']>[0] {
  const filter: Parameters<ConsoleService['runs']>[0] = { run_ids: query.getAll('run_id'), args: {} };
  const states = query.getAll('state');
  if (states.length > 0) filter.state = states;
  for (const [key, value] of query) {
    if (key === 'summary' || key === 'run_id' || key === 'state') continue;
    if (key === 'job_id') filter.job_id = value;
    else if (key === 'since') filter.since = value;
    else if (key === 'before') filter.before = value;
    else if (key === 'stop_before') filter.stop_before = value;
    else (filter.args as Record<string, string>)[key.startsWith('_') ? key.slice(1) : key] = value;
  }
  return filter;
}

const RUN = '([^/]+)';
const p = (parts: string): RegExp => new RegExp(`^${parts}$`);

/** Every route of the API. */
export const ROUTES: readonly Route[] = [
  { methods: ['GET'], path: p('/api/v1/alive'), call: () => json(ok) },
  { methods: ['GET'], path: p('/api/v1/running'), call: () => json(ok) },
  { methods: ['GET'], path: p('/api/control/version'), call: () => json({ version: '0.1.0' }) },
  { methods: ['GET'], path: p('/api/v1/stats'), call: (s) => json(s.stats()) },
  {
    methods: ['GET'],
    path: p('/api/v1/stats/history'),
    call: (s, { query }) => ({
      kind: 'stream',
      chunks: jsonArray(s.statsHistoryJson(query.get('from'), query.get('to'), query.get('step'))),
      contentType: JSON_TYPE,
    }),
  },
  {
    methods: ['GET'],
    path: p('/api/v1/stats/history\\.csv'),
    call: (s, { query }) => ({
      kind: 'stream',
      chunks: s.statsCsvChunks(query.get('from'), query.get('to'), query.get('step')),
      contentType: 'text/csv; charset=utf-8',
      headers: { 'content-disposition': 'attachment; filename="apsis-stats.csv"' },
    }),
  },
  {
    methods: ['GET'],
    path: p('/metrics'),
    call: (s) => ({
      kind: 'text',
      text: s.metrics(),
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
    }),
  },
  { methods: ['GET'], path: p('/api/v1/jobs'), call: (s, { query }) => json(s.jobs(query.get('label'))) },
  {
    methods: ['GET'],
    path: p('/api/v1/jobs/(.+)/runs'),
    call: (s, { params: [target] }) => ({
      kind: 'stream',
      chunks: s.jobRuns(target as string),
      contentType: JSON_TYPE,
    }),
  },
  {
    methods: ['GET'],
    path: p('/api/v1/jobs/(.+)'),
    call: (s, { params: [target] }) => json(s.job(target as string)),
  },
  { methods: ['GET'], path: p('/api/v1/job_errors'), call: (s) => json(s.jobErrors()) },
  {
    methods: ['GET'],
    path: p('/api/v1/attention'),
    call: (s, { query }) => json(s.attention(query.get('window'))),
  },
  {
    methods: ['GET'],
    path: p('/api/v1/runs'),
    call: (s, { query }) => ({
      kind: 'stream',
      chunks: s.runs(runsFilter(query), flag(query, 'summary')),
      contentType: JSON_TYPE,
    }),
  },
  {
    methods: ['POST'],
    path: p('/api/v1/runs'),
    body: true,
    call: (s, { body, query }) => {
      const runs = s.schedule(body, query.get('count'));
      return json({
        when: s.when(),
        runs: Object.fromEntries(runs.map((r) => [r.run_id, r])),
      });
    },
  },
  {
    methods: ['GET'],
    path: p(`/api/v1/runs/${RUN}`),
    call: (s, { params: [id] }) => json(s.runCollection(id as string)),
  },
  {
    methods: ['GET'],
    path: p(`/api/v1/runs/${RUN}/log`),
    call: (s, { params: [id] }) => json({ run_log: s.runLog(id as string) }),
  },
  {
    methods: ['GET'],
    path: p(`/api/v1/runs/${RUN}/state`),
    call: (s, { params: [id] }) => json(s.runState(id as string)),
  },
  {
    methods: ['GET'],
    path: p(`/api/v1/runs/${RUN}/outputs`),
    call: (s, { params: [id] }) => json(s.outputs(id as string)),
  },
  {
    methods: ['GET'],
    path: p(`/api/v1/runs/${RUN}/output/${RUN}`),
    call: (s, { params: [id, oid] }) => ({ kind: 'output', output: s.output(id as string, oid as string) }),
  },
  {
    methods: ['GET'],
    path: p(`/api/v1/runs/${RUN}/dependencies`),
    call: (s, { params: [id] }) => json(s.dependencies(id as string)),
  },
  {
    methods: ['POST'],
    path: p(`/api/v1/runs/${RUN}/skip`),
    call: (s, { params: [id] }) => (s.skip(id as string), json(ok)),
  },
  {
    methods: ['POST'],
    path: p(`/api/v1/runs/${RUN}/start`),
    call: (s, { params: [id] }) => (s.start(id as string), json(ok)),
  },
  {
    methods: ['POST'],
    path: p(`/api/v1/runs/${RUN}/rerun`),
    call: (s, { params: [id] }) => {
      const run = s.rerun(id as string);
      return json({ when: s.when(), runs: { [run.run_id]: run }, show_run_id: run.run_id });
    },
  },
  {
    methods: ['POST', 'PUT'],
    path: p(`/api/v1/runs/${RUN}/stop`),
    call: (s, { params: [id] }) => {
      const run = s.stop(id as string);
      return json({ when: s.when(), runs: { [run.run_id]: run } });
    },
  },
  {
    methods: ['POST', 'PUT'],
    path: p(`/api/v1/runs/${RUN}/signal/${RUN}`),
    call: (s, { params: [id, sig] }) => (s.signal(id as string, sig as string), json(ok)),
  },
  {
    methods: ['POST', 'PUT'],
    path: p(`/api/v1/runs/${RUN}/mark/${RUN}`),
    call: (s, { params: [id, state] }) => (s.mark(id as string, state as string), json(ok)),
  },
  {
    methods: ['GET'],
    path: p('/api/v1/plan'),
    call: (s, { query }) => ({
      kind: 'stream',
      chunks: s.planJson(query.get('from'), query.get('to'), query.get('job_id')),
      contentType: JSON_TYPE,
    }),
  },
  {
    methods: ['POST'],
    path: p('/api/control/reload_jobs'),
    call: async (s, { query }) => json(await s.reload(flag(query, 'dry_run'))),
  },
  { methods: ['POST'], path: p('/api/control/shut_down'), call: () => ({ kind: 'shut_down' }) },
];
