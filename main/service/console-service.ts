/**
 * The console's requests (shared/api) over one App, independent of any transport: each method returns plain JSON
 * values or throws ApiError with the status the HTTP API answers (SPEC 15). The IPC handlers of the desktop app call
 * it; its semantics follow main/server/api.ts request by request (fuzzy job IDs, time parsing, outputs).
 */
import type { Operation, ReloadResult, ScheduleRequest } from '../../shared/api/console-api.js';
import type { JobJson } from '../../shared/model/job.js';
import type { RunJson, RunLogEntry } from '../../shared/model/run.js';
import { isFinished, type RunState } from '../../shared/model/states.js';
import type { App } from '../engine/app.js';
import { fromRecord, toRunJson, type Run } from '../engine/run.js';
import { jobJson } from '../jobs/job-json.js';
import { matchJobId } from '../jobs/match.js';
import { engineStats } from '../stats/collect.js';
import { statsCsv } from '../stats/csv.js';
import { downsample } from '../stats/downsample.js';
import { paced } from '../stats/streaming.js';
import { outputBytes } from '../store/output-codec.js';
import { parseDuration } from '../time/durations.js';
import { parseInstant } from '../time/instants.js';
import { badRequest, notFound } from './errors.js';

/** Each request of ConsoleApi except the subscriptions (see feeds.ts), as a method of the same name and parameters. */
export class ConsoleService {
  constructor(readonly app: App) {}

  private now(): number {
    return this.app.engine.clock.now();
  }

  /** The job a target names (SPEC 15.1): an ad hoc job by exact ID, else fuzzy; `notFoundStatus` when none matches. */
  jobIdOf(target: string, notFoundStatus: 400 | 404 = 400): string {
    const engine = this.app.engine;
    if (engine.adHocJobs.has(target)) return target;
    const m = matchJobId(target, engine.jobs.keys());
    if (m.ok) return m.jobId;
    throw m.error.startsWith('no job') && notFoundStatus === 404 ? notFound(m.error) : badRequest(m.error);
  }

  /** A run from memory, or a retired one read from the DB (SPEC 13.4); 404 otherwise. */
  findRun(runId: string): Run {
    const engine = this.app.engine;
    const run = engine.runs.get(runId);
    if (run !== undefined) return run;
    const rec = /^r\d+$/.test(runId) ? engine.store.getRun(runId) : undefined;
    if (rec === undefined) throw notFound(`no run ${runId}`);
    return fromRecord(rec);
  }

  jobs(): JobJson[] {
    const engine = this.app.engine;
    const now = this.now();
    return [...engine.jobs.values()]
      .sort((a, b) => (a.jobId < b.jobId ? -1 : 1))
      .map((j) => jobJson(j, now, engine.loadErrorJobs.has(j.jobId)));
  }

  job(target: string): JobJson {
    const engine = this.app.engine;
    const jobId = this.jobIdOf(target, 404);
    const job = engine.job(jobId);
    if (job === undefined) throw notFound(`no job ${target}`);
    return jobJson(job, this.now(), engine.loadErrorJobs.has(jobId));
  }

  run(runId: string): RunJson {
    return toRunJson(this.app.engine.full(this.findRun(runId)));
  }

  runLog(runId: string): RunLogEntry[] {
    const run = this.findRun(runId);
    return this.app.engine.runLog(run.runId).map((e) => ({
      run_id: run.runId,
      timestamp: new Date(e.timestamp).toISOString(),
      message: e.message,
    }));
  }

  /** The run's whole output as text; empty when it has none. */
  output(runId: string): string {
    const run = this.findRun(runId);
    const engine = this.app.engine;
    const live = engine.outputs.get(run.runId);
    const stored = live === undefined ? engine.store.readOutput(run.runId, 'output') : undefined;
    const bytes = live?.bytes() ?? (stored === undefined ? Buffer.alloc(0) : outputBytes(stored));
    return new TextDecoder().decode(bytes);
  }

  /**
   * Resolves once what the engine changed so far is committed, at once while the database cannot be written (reads
   * stay possible in an outage). Answers wait for it, so none reports a change a crash could still lose (SPEC 13.3).
   */
  settled(): Promise<void> {
    return new Promise((resolve) => this.app.engine.store.whenDurable(resolve));
  }

  schedule(request: ScheduleRequest): RunJson[] {
    const engine = this.app.engine;
    const jobId = this.jobIdOf(request.job_id);
    const { time, stop } = readTimes(request, this.now());
    engine.requireWritable();
    const run = engine.createRun(jobId, request.args, {
      ...(time === undefined ? {} : { time }),
      ...(stop === undefined ? {} : { stop }),
    });
    return [toRunJson(run)];
  }

  operate(runId: string, op: Operation): { run_id?: string } {
    const engine = this.app.engine;
    switch (op) {
      case 'start':
        engine.startRun(runId);
        return {};
      case 'skip':
        engine.skipRun(runId);
        return {};
      case 'stop':
        engine.stopRun(runId);
        return {};
      case 'rerun':
        return { run_id: engine.rerun(runId).runId };
    }
  }

  signal(runId: string, signal: string): void {
    this.app.engine.signalRun(runId, signal);
  }

  mark(runId: string, state: RunState): void {
    if (!isFinished(state))
      throw badRequest(`can't mark as '${state}': use success, failure, error or skipped`);
    this.app.engine.markRun(runId, state);
  }

  reload(dryRun: boolean): ReloadResult {
    return this.app.reload(dryRun);
  }

  stats(): unknown {
    return engineStats(this.app);
  }

  async statsHistory(
    from: string | null,
    to: string | null,
    step: number | null,
  ): Promise<{ time: number; stats: unknown }[]> {
    const range = readRange(from, to);
    if (step !== null && !(step > 0 && Number.isFinite(step)))
      throw badRequest(`step: ${step} is not a number of seconds greater than 0`);
    const rows = paced(this.app.engine.store.iterateStats(range.from, range.to));
    const entries: { time: number; stats: unknown }[] = [];
    if (step === null)
      for await (const row of rows) entries.push({ time: row.time, stats: parseStats(row.stats) });
    else for await (const entry of downsample(rows, range.from, step)) entries.push(entry);
    return entries;
  }

  async statsCsv(from: string | null, to: string | null): Promise<string> {
    const range = readRange(from, to);
    let text = '';
    for await (const chunk of statsCsv(this.app.engine.store, range.from, range.to)) text += chunk;
    return text;
  }
}

function parseStats(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

/** `from`/`to` (ISO instants, or epoch seconds like history entries) as epoch seconds; 400 when unparsable. */
export function readRange(from: string | null, to: string | null): { from: number; to: number } {
  const f = timeParam('from', from) ?? -Infinity;
  const t = timeParam('to', to) ?? Infinity;
  if (f > t) throw badRequest('from must not be later than to');
  return { from: f, to: t };
}

function timeParam(name: string, text: string | null): number | null {
  if (text === null || text === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = parseInstant(text);
  if (ms === null)
    throw badRequest(`${name}: '${text}' is not an ISO 8601 time with an offset or Z, nor epoch seconds`);
  return ms / 1000;
}

/** Schedule and stop times of a request (SPEC 15.3): a duration `stop` is relative to the schedule time. */
function readTimes(request: ScheduleRequest, at: number): { time?: number; stop?: number } {
  const out: { time?: number; stop?: number } = {};
  const schedule = request.schedule;
  if (schedule !== undefined && schedule !== 'now') {
    const parsed = parseInstant(schedule);
    if (parsed === null) throw badRequest('schedule: use "now" or an ISO 8601 time with an offset or Z');
    out.time = parsed;
  }
  const stop = request.stop;
  if (stop !== undefined) {
    const instant = parseInstant(stop);
    if (instant !== null) out.stop = instant;
    else {
      const d = parseDuration(stop);
      if (!d.ok) throw badRequest(`stop: use an ISO 8601 time or a duration: ${d.message}`);
      out.stop = (out.time ?? at) + d.seconds * 1000;
    }
  }
  return out;
}
