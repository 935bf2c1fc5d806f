/**
 * The one gate into the engine (STYLE.md 1): every request of every transport (HTTP routes, WebSocket streams, IPC
 * handlers, the desktop's tray and notifications) comes through here. Each method checks and bounds what the client
 * sent (./inputs.ts), calls the engine's narrow API, and returns plain JSON values or throws ApiError with the status
 * the HTTP API answers; errors.ts maps anything else. Transports only translate: they never see the engine.
 */
import type {
  Attention,
  AttentionWindow,
  PlanEntry,
  ReloadResult,
  RunFilter,
} from '../../shared/api/console-api.js';
import type { JobJson } from '../../shared/model/job.js';
import type { Problem } from '../../shared/model/problem.js';
import type { RunCollection, RunJson, RunLogEntry, RunSummary } from '../../shared/model/run.js';
import { isFinished, type RunState } from '../../shared/model/states.js';
import type { Stats } from '../../shared/stats/schema.js';
import { adHocJobId, parseAdHocJob } from '../engine/adhoc.js';
import type { App } from '../engine/app.js';
import { collection, toRunJson, type Run } from '../engine/run.js';
import { jobJson } from '../jobs/job-json.js';
import { matchJobId } from '../jobs/match.js';
import { engineStats } from '../stats/collect.js';
import type { HistoryEntry } from '../stats/downsample.js';
import { prometheusText } from '../stats/metrics.js';
import { attention, attentionWindow } from './attention.js';
import { planDiff, planEntries, planEntryValue, planJsonChunks, planWindow } from './forecast.js';
import { Feeds, type OutputSink, type StopFeed, type SummaryFeedOptions, type SummarySink } from './feeds.js';
import {
  argsParam,
  badRequest,
  checkDepth,
  checkTemplateWork,
  clip,
  countParam,
  InvalidJobError,
  MAX_JOB_DEPTH,
  MAX_REQUEST_RUN_BYTES,
  notFound,
  timesParam,
  tooLarge,
} from './inputs.js';
import { listing, runQuery, type RunsFilter } from './run-listing.js';
import { csvChunks, historyJson } from './stats-requests.js';
import { outputData, outputsOf, visibleRun, type OutputData } from './views.js';

export type { RunsFilter } from './run-listing.js';

export const VERSION = '0.1.0';

/** A request to create runs (SPEC 15.3 POST /runs): as the client sent it, checked here. */
export interface ScheduleInput {
  job_id?: unknown;
  job?: unknown;
  args?: unknown;
  times?: unknown;
}

export class ConsoleService {
  readonly #app: App;
  readonly #feeds: Feeds;
  readonly #shutDown: () => void;

  /** `shutDown` is what `POST /api/control/shut_down` does (the composition root's own shutdown). */
  constructor(app: App, shutDown: () => void = () => {}) {
    this.#app = app;
    this.#feeds = new Feeds(app);
    this.#shutDown = shutDown;
  }

  private now(): number {
    return this.#app.engine.clock.now();
  }

  /** The engine's time now, as the `when` of a run collection. */
  when(): string {
    return new Date(this.now()).toISOString();
  }

  /**
   * Resolves once what the engine changed so far is committed, at once while the database cannot be written (reads
   * stay possible in an outage, showing what was last committed). Answers wait for it (SPEC 13.3).
   */
  settled(): Promise<void> {
    return new Promise((resolve) => this.#app.store.whenDurable(resolve));
  }

  // ---- jobs --------------------------------------------------------------------------------------------

  /** The job a target names (SPEC 15.1): an ad hoc job by exact ID, else fuzzy; `notFoundStatus` when none. */
  jobIdOf(target: string, notFoundStatus: 400 | 404 = 400): string {
    const engine = this.#app.engine;
    if (engine.isAdHocJob(target)) return target;
    const m = matchJobId(target, engine.jobs.keys());
    if (m.ok) return m.jobId;
    throw m.error.startsWith('no job') && notFoundStatus === 404 ? notFound(m.error) : badRequest(m.error);
  }

  jobs(label: string | null = null): JobJson[] {
    const engine = this.#app.engine;
    const now = this.now();
    return [...engine.jobs.values()]
      .filter(
        (j) =>
          label === null || (Array.isArray(j.metadata['labels']) && j.metadata['labels'].includes(label)),
      )
      .sort((a, b) => (a.jobId < b.jobId ? -1 : 1))
      .map((j) => jobJson(j, now, engine.loadErrorJobs.has(j.jobId)));
  }

  job(target: string): JobJson {
    const engine = this.#app.engine;
    const jobId = this.jobIdOf(target, 404);
    const job = engine.job(jobId);
    if (job === undefined) throw notFound(`no job ${target}`);
    return jobJson(job, this.now(), engine.loadErrorJobs.has(jobId));
  }

  /** The job's file relative to the job folder (null for an ad hoc job); 404 for an unknown job. */
  jobFile(target: string): string | null {
    const job = this.#app.engine.job(this.jobIdOf(target, 404));
    if (job === undefined) throw notFound(`no job ${target}`);
    return job.file;
  }

  jobErrors(): { errors: Problem[] } {
    return { errors: [...this.#app.engine.jobErrors] };
  }

  // ---- runs ---------------------------------------------------------------------------------------------

  /** A run from memory, or a retired one read from the store (SPEC 13.4), as the outside may see it; 404 else. */
  findRun(runId: string): Run {
    const run = this.#app.engine.findRun(runId);
    const shown = run === undefined ? undefined : visibleRun(this.#app, run);
    if (shown === undefined) throw notFound(`no run ${clip(runId)}`);
    return shown;
  }

  run(runId: string): RunJson {
    return toRunJson(this.#app.engine.full(this.findRun(runId)));
  }

  runCollection(runId: string): RunCollection<RunJson> {
    return collection([this.#app.engine.full(this.findRun(runId))], this.now(), toRunJson);
  }

  runState(runId: string): { state: RunState } {
    return { state: this.findRun(runId).state };
  }

  runLog(runId: string): RunLogEntry[] {
    const run = this.findRun(runId);
    const committedOnly = this.#app.store.writeFailure !== null;
    return this.#app.engine.runLog(run.runId, committedOnly).map((e) => ({
      run_id: run.runId,
      timestamp: new Date(e.timestamp).toISOString(),
      message: e.message,
    }));
  }

  /** `[{output_id, output_len}]` of the run (SPEC 15.3). */
  outputs(runId: string): { output_id: string; output_len: number }[] {
    const run = this.findRun(runId);
    return Object.entries(outputsOf(this.#app, run.runId)).map(([id, o]) => ({
      output_id: id,
      output_len: o.length,
    }));
  }

  /** An output's bytes (live, else stored); 404 for another output ID or a run without output. */
  output(runId: string, outputId: string): OutputData {
    const run = this.findRun(runId);
    if (outputId !== 'output')
      throw notFound(`no output ${clip(outputId)} of run ${run.runId}; the output id is 'output'`);
    const data = outputData(this.#app, run.runId);
    if (data === undefined) throw notFound(`run ${run.runId} has no output`);
    return data;
  }

  /** The run's whole output as text (UTF-8, invalid bytes replaced); empty when it has none. */
  outputText(runId: string): string {
    const run = this.findRun(runId);
    return new TextDecoder().decode(outputData(this.#app, run.runId)?.bytes ?? Buffer.alloc(0));
  }

  /** Every run in memory matching each dependency of the run, any state (SPEC 15.3). */
  dependencies(
    runId: string,
  ): Record<string, { job_id: string; args: Record<string, string>; run_ids: string[] }[]> {
    const run = this.#app.engine.full(this.findRun(runId));
    const deps = run.conds
      .filter((c) => c.type === 'dependency')
      .map((c) => ({
        job_id: c.job_id,
        args: c.args,
        run_ids: [...this.#app.engine.runs.ofInstance(c.job_id, c.args)].map((r) => r.runId),
      }));
    return { [run.runId]: deps };
  }

  /** The runs of a job (fuzzy; 404 when none matches) as a collection of whole runs, in chunks of JSON text. */
  jobRuns(target: string): AsyncGenerator<string> {
    const jobId = this.jobIdOf(target, 404);
    return listing(this.#app, [...this.#app.engine.runs.ofJob(jobId)], false);
  }

  /**
   * A run listing (SPEC 15.3 GET /runs) as a collection in chunks of JSON text: streamed, a few hundred runs per turn
   * of the event loop, so 100,000 runs never hold it (SPEC 15.1). With `since`, runs retired from memory are read from
   * the database too (SPEC 19.8: the list a count opens holds exactly what the count counts).
   */
  runs(filter: RunsFilter, summary: boolean): AsyncGenerator<string> {
    const query = runQuery(filter, (target) => this.jobIdOf(target));
    const inMemory = this.#app.engine.runs.query(query);
    return listing(
      this.#app,
      inMemory,
      summary,
      query.since !== undefined && query.runIds === undefined ? query : null,
    );
  }

  /** The same listing as run summaries (IPC, ConsoleApi.runs). */
  async runSummaries(filter: RunFilter): Promise<RunSummary[]> {
    const { run_ids, ...rest } = filter;
    const runs = this.runs({ ...rest, ...(run_ids === undefined ? {} : { run_ids }) }, true);
    let text = '';
    for await (const chunk of runs) text += chunk;
    return Object.values((JSON.parse(text) as { runs: Record<string, RunSummary> }).runs);
  }

  // ---- attention (SPEC 19.8) ----------------------------------------------------------------------------

  /** What needs a person over the window (`1h`, `24h`, `7d`; default 1h), each count with its filter. */
  attention(window: string | null): Attention {
    return attention(this.#app, attentionWindow(window));
  }

  /** The same with a window already checked (IPC). */
  attentionIn(window: AttentionWindow | null): Attention {
    return attention(this.#app, window ?? '1h');
  }

  // ---- operations ---------------------------------------------------------------------------------------

  /**
   * Creates `count` runs (SPEC 15.3 POST /runs; `countText` as given, default 1) of a job named by `job_id` or of an
   * ad hoc job given whole as `job`. Everything is checked and bounded before anything is created; then all the runs
   * are created in one commit, or none.
   */
  schedule(input: ScheduleInput, countText: string | null = null): RunJson[] {
    const engine = this.#app.engine;
    const count = countParam(countText);
    const args = argsParam(input.args);
    const { time, stop } = timesParam(input.times, this.now());
    engine.requireWritable();
    let jobId: string;
    let adHoc: { job: Parameters<typeof engine.addAdHocJob>[0]; definition: unknown } | null = null;
    if (input.job !== undefined) {
      checkDepth('job', input.job, MAX_JOB_DEPTH);
      jobId = adHocJobId();
      const parsed = parseAdHocJob(
        jobId,
        input.job,
        engine.jobs,
        this.now(),
        engine.deps.settings.calendars_dir,
      );
      if (!parsed.ok) throw new InvalidJobError(parsed.problems);
      adHoc = { job: parsed.job, definition: input.job };
    } else if (typeof input.job_id === 'string') jobId = this.jobIdOf(input.job_id);
    else throw badRequest('job_id (a string) or job (an object) is required');
    const size = Buffer.byteLength(JSON.stringify({ args, job: input.job ?? null }));
    if (size * count > MAX_REQUEST_RUN_BYTES)
      throw tooLarge(
        `${count} runs of ${size} bytes each: over ${MAX_REQUEST_RUN_BYTES} bytes in one request`,
      );
    const job = adHoc?.job ?? engine.job(jobId);
    if (count > 1 && job !== undefined) checkTemplateWork(engine.bindCost(job, args), count);
    const options = {
      ...(time === undefined ? {} : { time }),
      ...(stop === undefined ? {} : { stop }),
      paced: count > 1,
    };
    return engine.atomic(() => {
      if (adHoc !== null) engine.addAdHocJob(adHoc.job, adHoc.definition);
      const created: Run[] = [];
      for (let i = 0; i < count; i += 1) created.push(engine.createRun(jobId, args, options));
      return created.map(toRunJson);
    });
  }

  // Changes an operator asks for are refused first while the database cannot be written (503 with the reason):
  // they could be neither recorded nor shown. Stop and signal stay possible: they may be the way to end a run that
  // fills the disk.

  start(runId: string): void {
    this.#app.engine.requireWritable();
    this.#app.engine.startRun(this.findRun(runId).runId);
  }

  skip(runId: string): void {
    this.#app.engine.requireWritable();
    this.#app.engine.skipRun(this.findRun(runId).runId);
  }

  /** Stops a running run (SPEC 11.4); the stopping run. */
  stop(runId: string): RunJson {
    return toRunJson(this.#app.engine.stopRun(this.findRun(runId).runId));
  }

  /** A new run of the same instance; the new run. */
  rerun(runId: string): RunJson {
    this.#app.engine.requireWritable();
    return toRunJson(this.#app.engine.rerun(this.findRun(runId).runId));
  }

  signal(runId: string, signal: string): void {
    this.#app.engine.signalRun(this.findRun(runId).runId, signal);
  }

  mark(runId: string, state: string): void {
    if (state.length > 32 || !isFinishedName(state))
      throw badRequest(`can't mark as '${clip(state)}': use success, failure, error or skipped`);
    this.#app.engine.requireWritable();
    this.#app.engine.markRun(this.findRun(runId).runId, state);
  }

  /** Reloads the job folder (SPEC 10.3); a dry run changes nothing and also answers `plan_diff` (SPEC 19.8). */
  async reload(dryRun: boolean): Promise<ReloadResult> {
    if (!dryRun) {
      this.#app.engine.requireWritable();
      return this.#app.reload(false);
    }
    const { result, changes } = this.#app.reloadPreview();
    return { ...result, plan_diff: await planDiff(changes, this.now()) };
  }

  // ---- forecast (SPEC 19.8) -----------------------------------------------------------------------------

  /**
   * The plan of the loaded jobs over [from, to) (default now and 24 h later; at most 30 days), of every job or of the
   * one `jobTarget` names (fuzzy), as chunks of the JSON array `apsis plan --json` prints. Checked before the first
   * chunk; made a slice per event-loop turn.
   */
  planJson(from: string | null, to: string | null, jobTarget: string | null): AsyncGenerator<string> {
    return planJsonChunks(this.planOf(from, to, jobTarget));
  }

  /** The same plan as values (IPC). */
  async plan(from: string | null, to: string | null, jobTarget: string | null): Promise<PlanEntry[]> {
    const out: PlanEntry[] = [];
    for await (const entry of this.planOf(from, to, jobTarget)) out.push(planEntryValue(entry));
    return out;
  }

  private planOf(from: string | null, to: string | null, jobTarget: string | null) {
    const window = planWindow(from, to, this.now());
    const jobs = this.#app.engine.jobs;
    let chosen = [...jobs.values()];
    if (jobTarget !== null) {
      const m = matchJobId(jobTarget, jobs.keys());
      if (!m.ok) throw badRequest(m.error);
      chosen = chosen.filter((j) => j.jobId === m.jobId);
    }
    // A schedule that fails (a file calendar running out) is reported among the job errors by the scheduler.
    return planEntries(chosen, window, () => {});
  }

  /** Stops the engine and its server (SPEC 12.4), as the composition root does it. */
  shutDown(): void {
    this.#shutDown();
  }

  // ---- desktop -------------------------------------------------------------------------------------------

  /** Runs whose processes live on outside the engine: running or stopping (the quit question, the tray). */
  runsInFlight(): number {
    let n = 0;
    for (const run of this.#app.engine.runs.all())
      if (run.state === 'running' || run.state === 'stopping') n += 1;
    return n;
  }

  /** Runs in memory by state (the tray's counts). */
  stateCounts(): Partial<Record<RunState, number>> {
    const counts: Partial<Record<RunState, number>> = {};
    for (const run of this.#app.engine.runs.all()) counts[run.state] = (counts[run.state] ?? 0) + 1;
    return counts;
  }

  /** Calls `fn` with the summary of every committed transition into a finished state; returns the unsubscribe. */
  onFinished(fn: (summary: RunSummary) => void): () => void {
    return this.#app.engine.events.on('transition', (e) => {
      if (isFinished(e.summary.state)) fn(e.summary);
    });
  }

  /** Calls `fn` after every committed transition; returns the unsubscribe. */
  onTransition(fn: (summary: RunSummary) => void): () => void {
    return this.#app.engine.events.on('transition', (e) => fn(e.summary));
  }

  /** Resolves `ms` later by the engine's clock (the desktop's batched tray and notifications). */
  delay(ms: number): Promise<void> {
    const clock = this.#app.engine.clock;
    return clock.sleepUntil(clock.now() + ms);
  }

  /** After a sleep of the machine: expand schedules and start what came due meanwhile (SPEC 12.2). */
  catchUp(): void {
    this.#app.scheduler.expand();
    this.#app.scheduler.startDue();
  }

  // ---- stats ---------------------------------------------------------------------------------------------

  stats(): Stats {
    return engineStats(this.#app);
  }

  /** The stats object in the Prometheus text format (`/metrics`). */
  metrics(): string {
    return prometheusText(this.stats());
  }

  /**
   * Stats history entries with `from <= time < to` (SPEC 17.4), downsampled with `step`: JSON text of each entry, as
   * stored when not downsampled.
   */
  statsHistoryJson(
    from: string | null,
    to: string | null,
    step: string | number | null,
  ): AsyncGenerator<string> {
    return historyJson(this.#app.store, from, to, step);
  }

  /** The same entries as values (IPC). */
  async statsHistory(from: string | null, to: string | null, step: number | null): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    for await (const text of this.statsHistoryJson(from, to, step))
      entries.push(JSON.parse(text) as HistoryEntry);
    return entries;
  }

  /** The stats history CSV (SPEC 17.5) in chunks; `step` is refused (CSV is never downsampled). */
  statsCsvChunks(from: string | null, to: string | null, step: string | null = null): AsyncGenerator<string> {
    return csvChunks(this.#app.store, from, to, step);
  }

  async statsCsv(from: string | null, to: string | null): Promise<string> {
    let text = '';
    for await (const chunk of this.statsCsvChunks(from, to)) text += chunk;
    return text;
  }

  // ---- live feeds ----------------------------------------------------------------------------------------

  subscribeSummary(sink: SummarySink, options: SummaryFeedOptions = {}): StopFeed {
    return this.#feeds.summary(sink, options);
  }

  /** A run's stream; 404 for an unknown run. */
  subscribeRun(runId: string, sink: Parameters<Feeds['run']>[1]): StopFeed {
    return this.#feeds.run(this.findRun(runId), sink);
  }

  /** A run's output from byte `start`; 404 for an unknown run. */
  subscribeOutput(runId: string, start: number, sink: OutputSink): StopFeed {
    return this.#feeds.output(this.findRun(runId), start, sink);
  }
}

function isFinishedName(state: string): state is RunState {
  return state === 'success' || state === 'failure' || state === 'error' || state === 'skipped';
}
