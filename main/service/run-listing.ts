/**
 * Run listings of the gate (SPEC 15.3 GET /runs, 19.8): the client's filters checked into an engine query, and the
 * collection streamed, with runs retired from memory read from the database when the filter has `since`.
 */
import type { RunFilter } from '../../shared/api/console-api.js';
import type { RunJson, RunSummary } from '../../shared/model/run.js';
import type { App } from '../engine/app.js';
import { matchesQuery, type RunQuery } from '../engine/run-index.js';
import { fromRecord, toRunJson, toSummary, type Run } from '../engine/run.js';
import type { PageCursor } from '../store/sqlite-store.js';
import { badRequest, instantParam, stateParam } from './inputs.js';
import { visibleRun } from './views.js';

/** Filters of a run listing (SPEC 15.3 GET /runs, 19.8) as the client sent them: states not checked yet. */
export type RunsFilter = Omit<RunFilter, 'state'> & { state?: string | string[] };

/** Runs a listing chunk holds before the loop is given back (SPEC 15.1: no request holds it over 100 ms). */
const LIST_PACE = 500;

/** The engine query of a client's filter, each part checked; `jobIdOf` resolves a (fuzzy) job ID. */
export function runQuery(filter: RunsFilter, jobIdOf: (target: string) => string): RunQuery {
  const query: RunQuery = {};
  if (filter.job_id !== undefined) query.jobId = jobIdOf(filter.job_id);
  const states =
    filter.state === undefined ? [] : typeof filter.state === 'string' ? [filter.state] : filter.state;
  if (states.length > 16) throw badRequest('state: at most 16 states');
  if (states.length > 0) query.states = new Set(states.map((s) => stateParam('state', s)));
  if (filter.since !== undefined) query.since = instantParam('since', filter.since);
  if (filter.before !== undefined) query.before = instantParam('before', filter.before);
  if (filter.stop_before !== undefined) query.stopBefore = instantParam('stop_before', filter.stop_before);
  if (filter.run_ids !== undefined && filter.run_ids.length > 0) query.runIds = filter.run_ids;
  if (filter.args !== undefined && Object.keys(filter.args).length > 0) query.args = filter.args;
  return query;
}

/**
 * A run collection (SPEC 15.2) in chunks of JSON text: a few hundred runs per turn of the event loop, so 100,000 runs
 * never hold it (SPEC 15.1); each run as the outside may see it; with `retired`, then the runs of the database not in
 * memory that pass that query.
 */
export async function* listing(
  app: App,
  runs: Run[],
  summary: boolean,
  retired: RunQuery | null = null,
): AsyncGenerator<string> {
  yield `{"when":${JSON.stringify(new Date(app.engine.clock.now()).toISOString())},"runs":{`;
  let first = true;
  let text = '';
  const add = (run: Run): void => {
    const json: RunSummary | RunJson = summary ? toSummary(run) : toRunJson(app.engine.full(run));
    text += `${first ? '' : ','}${JSON.stringify(run.runId)}:${JSON.stringify(json)}`;
    first = false;
  };
  for (let i = 0; i < runs.length; i++) {
    const shown = visibleRun(app, runs[i] as Run);
    if (shown !== undefined) add(shown);
    if ((i + 1) % LIST_PACE === 0) {
      yield text;
      text = '';
      await new Promise((r) => setImmediate(r));
    }
  }
  if (retired !== null)
    for await (const run of retiredRuns(app, retired)) {
      add(run);
      if (text.length >= 64 * 1024) {
        yield text;
        text = '';
      }
    }
  yield `${text}}}`;
}

/**
 * Runs of the database not in memory (retired, SPEC 13.4) passing `query` (which has `since`), a page per turn of
 * the event loop; through the failure and error indexes when the query asks for those states only.
 */
async function* retiredRuns(app: App, query: RunQuery): AsyncGenerator<Run> {
  const store = app.store;
  const memory = app.engine.runs;
  const states = query.states === undefined ? null : [...query.states];
  const walks: ('failure' | 'error' | null)[] =
    states !== null && states.every((s) => s === 'failure' || s === 'error') ? [...states] : [null];
  const range = {
    since: (query.since ?? 0) / 1000,
    before: query.before === undefined ? Number.MAX_VALUE : query.before / 1000,
  };
  for (const state of walks) {
    let cursor: PageCursor | null = null;
    do {
      const page = store.runsSincePage({ ...range, state }, cursor, LIST_PACE);
      for (const record of page.runs) {
        if (memory.get(record.run_id) !== undefined) continue;
        const run = fromRecord(record);
        if (matchesQuery(run, query)) yield run;
      }
      cursor = page.next;
      await new Promise((r) => setImmediate(r));
    } while (cursor !== null);
  }
}
