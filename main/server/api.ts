/** The `/api/v1` and `/api/control` endpoints (SPEC 15.3): thin adapters over the engine. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isFinished, isRunState, RUN_STATES } from '../../shared/model/states.js';
import { adHocJobId, parseAdHocJob } from '../engine/adhoc.js';
import type { App } from '../engine/app.js';
import { NotFoundError, OperationError } from '../engine/errors.js';
import { collection, fromRecord, toRunJson, toSummary, type Args, type Run } from '../engine/run.js';
import { jobJson } from '../jobs/job-json.js';
import { matchJobId } from '../jobs/match.js';
import { parseDuration } from '../time/durations.js';
import { parseInstant } from '../time/instants.js';
import { outputBytes } from '../store/output-codec.js';
import { StoreUnavailableError } from '../store/sqlite-store.js';
import { HttpError, readJsonObject, sendJson } from './http-util.js';
import { sendOutput } from './output-http.js';

export const VERSION = '0.1.0';

export interface ApiContext {
  app: App;
  /** Called by POST /api/control/shut_down. */
  shutDown: () => void;
  /** Stats object of GET /api/v1/stats. */
  stats: () => unknown;
}

type Handler = (
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  url: URL,
) => Promise<void> | void;

interface Route {
  methods: string[];
  pattern: RegExp;
  handler: Handler;
}

const routes: Route[] = [];
function route(methods: string | string[], pattern: RegExp, handler: Handler): void {
  routes.push({ methods: Array.isArray(methods) ? methods : [methods], pattern, handler });
}

/** Handles a request under /api/; returns false when no route matches the path. */
export async function handleApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const path = url.pathname;
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (m === null) continue;
    pathMatched = true;
    if (!r.methods.includes(req.method ?? 'GET')) continue;
    try {
      const params = m.slice(1).map((p) => decodeURIComponent(p));
      await r.handler(ctx, req, res, params, url);
    } catch (e) {
      if (e instanceof HttpError) sendJson(res, e.status, { error: e.message });
      else if (e instanceof OperationError) sendJson(res, 400, { error: e.message });
      else if (e instanceof NotFoundError) sendJson(res, 404, { error: e.message });
      else if (e instanceof StoreUnavailableError) sendJson(res, 503, { error: e.message });
      else if (e instanceof URIError) sendJson(res, 400, { error: `bad URL encoding in ${path}` });
      else throw e;
    }
    return true;
  }
  if (pathMatched) {
    sendJson(res, 405, { error: `method ${req.method ?? '?'} not allowed on ${path}` });
    return true;
  }
  return false;
}

const now = (ctx: ApiContext): number => ctx.app.engine.clock.now();

/** The job a target names (SPEC 15.1); a job path answers 404 when none matches, a parameter 400. */
function jobIdOf(ctx: ApiContext, target: string, notFound = 400): string {
  const engine = ctx.app.engine;
  if (engine.adHocJobs.has(target)) return target;
  const m = matchJobId(target, engine.jobs.keys());
  if (!m.ok) throw new HttpError(m.error.startsWith('no job') ? notFound : 400, m.error);
  return m.jobId;
}

/** A run from memory, or a retired one read from the DB (SPEC 13.4). */
function findRun(ctx: ApiContext, runId: string): Run {
  const run = ctx.app.engine.runs.get(runId);
  if (run !== undefined) return run;
  const rec = /^r\d+$/.test(runId) ? ctx.app.engine.store.getRun(runId) : undefined;
  if (rec === undefined) throw new HttpError(404, `no run ${runId}`);
  return fromRecord(rec);
}

route('GET', /^\/api\/v1\/alive$/, (_ctx, _req, res) => sendJson(res, 200, {}));
route('GET', /^\/api\/v1\/running$/, (_ctx, _req, res) => sendJson(res, 200, {}));
route('GET', /^\/api\/v1\/stats$/, (ctx, _req, res) => sendJson(res, 200, ctx.stats()));
route('GET', /^\/api\/control\/version$/, (_ctx, _req, res) => sendJson(res, 200, { version: VERSION }));

route('GET', /^\/api\/v1\/jobs$/, (ctx, _req, res, _p, url) => {
  const label = url.searchParams.get('label');
  const engine = ctx.app.engine;
  const jobs = [...engine.jobs.values()]
    .filter(
      (j) =>
        label === null ||
        (Array.isArray(j.metadata['labels']) && (j.metadata['labels'] as unknown[]).includes(label)),
    )
    .sort((a, b) => (a.jobId < b.jobId ? -1 : 1))
    .map((j) => jobJson(j, now(ctx), engine.loadErrorJobs.has(j.jobId)));
  sendJson(res, 200, jobs);
});

route('GET', /^\/api\/v1\/jobs\/(.+)\/runs$/, (ctx, _req, res, [target]) => {
  const jobId = jobIdOf(ctx, target as string, 404);
  sendJson(
    res,
    200,
    collection(ctx.app.engine.runs.ofJob(jobId), now(ctx), (r) => toRunJson(ctx.app.engine.full(r))),
  );
});

route('GET', /^\/api\/v1\/jobs\/(.+)$/, (ctx, _req, res, [target]) => {
  const engine = ctx.app.engine;
  const jobId = jobIdOf(ctx, target as string, 404);
  const job = engine.job(jobId);
  if (job === undefined) throw new HttpError(404, `no job ${target as string}`);
  sendJson(res, 200, jobJson(job, now(ctx), engine.loadErrorJobs.has(jobId)));
});

route('GET', /^\/api\/v1\/job_errors$/, (ctx, _req, res) =>
  sendJson(res, 200, { errors: ctx.app.engine.jobErrors }),
);

route('GET', /^\/api\/v1\/runs$/, (ctx, _req, res, _p, url) => {
  const q = url.searchParams;
  const args: Args = {};
  let summary = false;
  const query: Parameters<typeof ctx.app.engine.runs.query>[0] = {};
  for (const [key, value] of q) {
    if (key === 'summary') summary = value === 'true' || value === '1' || value === '';
    else if (key === 'run_id') continue;
    else if (key === 'job_id') query.jobId = jobIdOf(ctx, value);
    else if (key === 'state') {
      if (!isRunState(value))
        throw new HttpError(400, `state: '${value}' is not a run state; use ${RUN_STATES.join(', ')}`);
      query.state = value;
    } else if (key === 'since') {
      const t = parseInstant(value);
      if (t === null)
        throw new HttpError(400, `since: '${value}' is not an ISO 8601 time with an offset or Z`);
      query.since = t;
    } else args[key.startsWith('_') ? key.slice(1) : key] = value;
  }
  const runIds = q.getAll('run_id');
  if (runIds.length > 0) query.runIds = runIds;
  if (Object.keys(args).length > 0) query.args = args;
  const runs = ctx.app.engine.runs.query(query);
  sendJson(
    res,
    200,
    summary
      ? collection(runs, now(ctx), toSummary)
      : collection(runs, now(ctx), (r) => toRunJson(ctx.app.engine.full(r))),
  );
});

route('POST', /^\/api\/v1\/runs$/, async (ctx, req, res, _p, url) => {
  const body = await readJsonObject(req);
  const engine = ctx.app.engine;
  engine.requireWritable();
  const countText = url.searchParams.get('count') ?? '1';
  if (!/^\d+$/.test(countText) || Number(countText) < 1 || Number(countText) > 1000)
    throw new HttpError(400, 'count must be a whole number from 1 to 1000');
  const args = body['args'] ?? {};
  if (
    args === null ||
    typeof args !== 'object' ||
    Array.isArray(args) ||
    !Object.values(args).every((v) => typeof v === 'string')
  )
    throw new HttpError(400, 'args must be a mapping of names to strings');
  let jobId: string;
  if (body['job'] !== undefined) {
    jobId = adHocJobId();
    const parsed = parseAdHocJob(
      jobId,
      body['job'],
      engine.jobs,
      now(ctx),
      engine.deps.settings.calendars_dir,
    );
    if (!parsed.ok) {
      sendJson(res, 400, {
        error: `invalid job: ${parsed.problems.map((p) => p.message).join('; ')}`,
        problems: parsed.problems,
      });
      return;
    }
    engine.adHocJobs.set(jobId, parsed.job);
    engine.store.putJob(jobId, body['job']);
  } else if (typeof body['job_id'] === 'string') jobId = jobIdOf(ctx, body['job_id']);
  else throw new HttpError(400, 'job_id (a string) or job (an object) is required');
  const { time, stop } = readTimes(body['times'], now(ctx));
  const created: Run[] = [];
  for (let i = 0; i < Number(countText); i += 1)
    created.push(
      engine.createRun(jobId, args as Args, {
        ...(time === undefined ? {} : { time }),
        ...(stop === undefined ? {} : { stop }),
      }),
    );
  sendJson(res, 200, collection(created, now(ctx), toRunJson));
});

function readTimes(times: unknown, at: number): { time?: number; stop?: number } {
  if (times === undefined || times === null) return {};
  if (typeof times !== 'object' || Array.isArray(times))
    throw new HttpError(400, 'times must be an object {schedule, stop}');
  const t = times as Record<string, unknown>;
  const out: { time?: number; stop?: number } = {};
  const schedule = t['schedule'];
  if (schedule !== undefined && schedule !== 'now') {
    const parsed = typeof schedule === 'string' ? parseInstant(schedule) : null;
    if (parsed === null)
      throw new HttpError(400, `times.schedule: use "now" or an ISO 8601 time with an offset or Z`);
    out.time = parsed;
  }
  const stop = t['stop'];
  if (stop !== undefined && stop !== null) {
    const instant = typeof stop === 'string' ? parseInstant(stop) : null;
    if (instant !== null) out.stop = instant;
    else {
      const d = parseDuration(stop);
      if (!d.ok) throw new HttpError(400, `times.stop: use an ISO 8601 time or a duration: ${d.message}`);
      out.stop = (out.time ?? at) + d.seconds * 1000;
    }
  }
  return out;
}

route('GET', /^\/api\/v1\/runs\/([^/]+)$/, (ctx, _req, res, [id]) => {
  sendJson(res, 200, collection([ctx.app.engine.full(findRun(ctx, id as string))], now(ctx), toRunJson));
});

route('GET', /^\/api\/v1\/runs\/([^/]+)\/log$/, (ctx, _req, res, [id]) => {
  const run = findRun(ctx, id as string);
  const log = ctx.app.engine
    .runLog(run.runId)
    .map((e) => ({ run_id: run.runId, timestamp: new Date(e.timestamp).toISOString(), message: e.message }));
  sendJson(res, 200, { run_log: log });
});

route('GET', /^\/api\/v1\/runs\/([^/]+)\/state$/, (ctx, _req, res, [id]) =>
  sendJson(res, 200, { state: findRun(ctx, id as string).state }),
);

route('GET', /^\/api\/v1\/runs\/([^/]+)\/outputs$/, (ctx, _req, res, [id]) => {
  const run = findRun(ctx, id as string);
  const live = ctx.app.engine.outputs.get(run.runId);
  if (live !== undefined) sendJson(res, 200, [{ output_id: 'output', output_len: live.length }]);
  else
    sendJson(
      res,
      200,
      ctx.app.engine.store
        .listOutputs(run.runId)
        .map((o) => ({ output_id: o.output_id, output_len: o.length })),
    );
});

route('GET', /^\/api\/v1\/runs\/([^/]+)\/output\/([^/]+)$/, (ctx, req, res, [id, oid]) => {
  const run = findRun(ctx, id as string);
  if (oid !== 'output')
    throw new HttpError(404, `no output ${oid as string} of run ${run.runId}; the output id is 'output'`);
  const live = ctx.app.engine.outputs.get(run.runId);
  if (live !== undefined) {
    sendOutput(req, res, { contentType: 'application/octet-stream', compression: null, data: live.bytes() });
    return;
  }
  const stored = ctx.app.engine.store.readOutput(run.runId, 'output');
  if (stored === undefined) throw new HttpError(404, `run ${run.runId} has no output`);
  sendOutput(req, res, {
    contentType: stored.content_type,
    compression: stored.compression,
    data: stored.data,
    plain: () => outputBytes(stored),
  });
});

route('GET', /^\/api\/v1\/runs\/([^/]+)\/dependencies$/, (ctx, _req, res, [id]) => {
  const run = findRun(ctx, id as string);
  const deps = run.conds
    .filter((c) => c.type === 'dependency')
    .map((c) => ({
      job_id: c.job_id,
      args: c.args,
      run_ids: [...ctx.app.engine.runs.ofInstance(c.job_id, c.args)].map((r) => r.runId),
    }));
  sendJson(res, 200, { [run.runId]: deps });
});

route('POST', /^\/api\/v1\/runs\/([^/]+)\/skip$/, (ctx, _req, res, [id]) => {
  ctx.app.engine.skipRun(id as string);
  sendJson(res, 200, {});
});

route('POST', /^\/api\/v1\/runs\/([^/]+)\/start$/, (ctx, _req, res, [id]) => {
  ctx.app.engine.startRun(id as string);
  sendJson(res, 200, {});
});

route('POST', /^\/api\/v1\/runs\/([^/]+)\/rerun$/, (ctx, _req, res, [id]) => {
  const run = ctx.app.engine.rerun(id as string);
  sendJson(res, 200, { ...collection([run], now(ctx), toRunJson), show_run_id: run.runId });
});

route(['POST', 'PUT'], /^\/api\/v1\/runs\/([^/]+)\/stop$/, (ctx, _req, res, [id]) => {
  const run = ctx.app.engine.stopRun(id as string);
  sendJson(res, 200, collection([run], now(ctx), toRunJson));
});

route(['POST', 'PUT'], /^\/api\/v1\/runs\/([^/]+)\/signal\/([^/]+)$/, (ctx, _req, res, [id, sig]) => {
  ctx.app.engine.signalRun(id as string, sig as string);
  sendJson(res, 200, {});
});

route(['POST', 'PUT'], /^\/api\/v1\/runs\/([^/]+)\/mark\/([^/]+)$/, (ctx, _req, res, [id, state]) => {
  if (!isRunState(state) || !isFinished(state))
    throw new HttpError(400, `can't mark as '${state as string}': use success, failure, error or skipped`);
  ctx.app.engine.markRun(id as string, state);
  sendJson(res, 200, {});
});

route('POST', /^\/api\/control\/reload_jobs$/, (ctx, _req, res, _p, url) => {
  const dry = url.searchParams.get('dry_run');
  sendJson(res, 200, ctx.app.reload(dry === 'true' || dry === '1' || dry === ''));
});

route('POST', /^\/api\/control\/shut_down$/, (ctx, _req, res) => {
  // Closing the server drops every connection: start only once the answer is out.
  res.once('finish', () => ctx.shutDown());
  res.once('close', () => ctx.shutDown());
  sendJson(res, 200, {});
});
