/**
 * The engine (SPEC 2, 11): creates runs, moves them through their states, runs their programs, and keeps every change
 * written through to its store before anyone outside hears of it. What it offers the rest of the product is a narrow
 * set of commands (create, start, skip, stop, signal, mark, rerun, ad hoc jobs) and queries (runs, jobs, logs,
 * outputs, stats); its collaborators in this folder (waiter, scheduler, restore, retire, actions) use the rest.
 *
 * Two kinds of listeners: `events` are for the outside (live views, notifications) and deliver each change only after
 * the commit that records it (output bytes, which are not stored until the run ends, at once); `onMove` listeners are
 * the engine's own (waiter, actions) and hear a transition in the same synchronous step, before it is committed.
 */
import type {
  CreateOptions,
  EngineDeps,
  LiveOutput,
  MoveListener,
  TaskCounts,
  TransitionEvent,
  TransitionOptions,
} from './engine-types.js';
import type { Problem } from '../../shared/model/problem.js';
import { isFinished, isLegalMove, type MoveCause, type RunState } from '../../shared/model/states.js';
import type { Job } from '../jobs/job.js';
import type { RunningProgram, StoppingState } from '../programs/runtime/types.js';
import { StoreUnavailableError } from '../store/store-error.js';
import type { PendingAction, RunStore } from '../store/run-store.js';
import { ActionRunner } from './actions-runner.js';
import { bindCost, bindRun } from './binding.js';
import { JobTable, type JobLoad } from './job-table.js';
import type { Clock } from './clock.js';
import { NotFoundError, OperationError } from './errors.js';
import { RunOutputs } from './outputs.js';
import { Publisher } from './publisher.js';
import { RunIndex, type RunQueries } from './run-index.js';
import { RunLogs } from './run-logs.js';
import { fromRecord, slimDown, toRecord, toSummary, type Args, type Run } from './run.js';
import * as operations from './operations.js';
import { ProgramRunner } from './run-programs.js';
import { Waiter } from './waiter.js';

const FINISHED_LOG: Partial<Record<RunState, boolean>> = { failure: true, error: true };

export class Engine {
  readonly #index = new RunIndex();
  /** The runs in memory (SPEC 13.4), read-only; they change only through the engine's commands. */
  readonly runs: RunQueries = this.#index;
  /** Changes for the outside, each delivered once the commit recording it is done (SPEC 13.3). */
  readonly events: Publisher;
  readonly #jobTable: JobTable;
  readonly waiter: Waiter;
  readonly #actions: ActionRunner;
  readonly #tasks: Omit<TaskCounts, 'num_running'> = { num_waiting: 0, num_stopping: 0, num_action: 0 };
  readonly #logs: RunLogs;
  readonly #outputs: RunOutputs;
  readonly #moveListeners: MoveListener[] = [];
  readonly #programs: ProgramRunner;
  private closed = false;
  /** Aborted at shutdown: ends the engine's own timers (stop times) so they cannot act on a closed engine. */
  private readonly lifetime = new AbortController();
  /** Called when a scheduled run is created (or restored), to put it in the due queue; set by the scheduler. */
  onScheduled: (run: Run, paced?: boolean) => void = () => {};
  /** Called when a run leaves `scheduled`, to take it out of the due queue; set by the scheduler. */
  onUnscheduled: (run: Run) => void = () => {};

  constructor(readonly deps: EngineDeps) {
    this.events = new Publisher((deliver) => deps.store.afterCommit(deliver));
    this.#logs = new RunLogs(deps.store, deps.clock, this.events);
    this.#outputs = new RunOutputs(deps.store, this.events, (runId) => this.#programs.runDir(runId));
    this.#jobTable = new JobTable(this.events);
    this.waiter = new Waiter(this);
    this.#actions = new ActionRunner(this);
    this.#programs = new ProgramRunner(this, this.#outputs);
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  /** Aborted when the engine shuts down: work in the background (alert deliveries) stops there. */
  get lifetimeSignal(): AbortSignal {
    return this.lifetime.signal;
  }

  /** Whether the engine has shut down: nothing changes any more (the next start recovers, SPEC 12.4). */
  get isClosed(): boolean {
    return this.closed;
  }

  get store(): RunStore {
    return this.deps.store;
  }

  // ---- jobs ----------------------------------------------------------------------------------------------

  /** The loaded job folder's jobs (not ad hoc ones), by job ID. */
  get jobs(): ReadonlyMap<string, Job> {
    return this.#jobTable.jobs;
  }

  /** Problems of the last load (SPEC 10.3), plus schedules that stopped since (5.5). */
  get jobErrors(): readonly Problem[] {
    return this.#jobTable.errors;
  }

  /** Jobs whose file failed on the last reload while their previous definition stays in force. */
  get loadErrorJobs(): ReadonlySet<string> {
    return this.#jobTable.loadErrors;
  }

  /** The job (file or ad hoc), or undefined. */
  job(jobId: string): Job | undefined {
    return this.#jobTable.get(jobId);
  }

  /** Whether `jobId` names an ad hoc job. */
  isAdHocJob(jobId: string): boolean {
    return this.#jobTable.isAdHoc(jobId);
  }

  /** Applies a load of the job folder (startup or reload, SPEC 10.3); see JobTable.applyLoad. */
  applyLoad(load: JobLoad): void {
    this.#jobTable.applyLoad(load);
  }

  /** Adds a problem found after the load (a file calendar that ran out, SPEC 5.5). */
  addJobError(problem: Problem): void {
    this.#jobTable.addError(problem);
  }

  /** Takes an ad hoc job into the engine and the store (SPEC 10.4); `definition` is what the client sent. */
  addAdHocJob(job: Job, definition: unknown): void {
    this.#jobTable.addAdHoc(job);
    this.store.putJob(job.jobId, definition);
  }

  /** Takes an ad hoc job read back from the store at startup. */
  restoreAdHocJob(job: Job): void {
    this.#jobTable.addAdHoc(job);
  }

  /** Forgets an ad hoc job no run refers to any more (ArchiveProgram). */
  dropAdHocJob(jobId: string): void {
    this.#jobTable.dropAdHoc(jobId);
    this.store.deleteJob(jobId);
  }

  /** IDs of the ad hoc jobs held. */
  adHocJobIds(): string[] {
    return this.#jobTable.adHocIds();
  }

  // ---- creation ------------------------------------------------------------------------------------

  /** Creates a run of `jobId` (SPEC 11.3). Binding problems put the run in error; the call still succeeds. */
  createRun(jobId: string, args: Args, options: CreateOptions = {}): Run {
    if (this.closed) throw new OperationError('the engine is shutting down');
    return this.atomic(() => this.create(jobId, args, options));
  }

  /**
   * Runs `fn` in the store's write batch: the writes of one event-loop turn (creations, transitions, log entries,
   * a batch of due runs) commit together at the end of the turn, and `events` deliver after that commit.
   */
  atomic<T>(fn: () => T): T {
    return this.closed ? fn() : this.store.batch(fn);
  }

  /** Calls `fn` once every change made so far is committed. */
  afterCommit(fn: () => void): void {
    this.store.afterCommit(fn);
  }

  private create(jobId: string, args: Args, options: CreateOptions): Run {
    const now = this.clock.now();
    const run: Run = {
      runId: this.store.nextRunId(),
      jobId,
      args: sortArgs(args),
      state: 'new',
      timestamp: now,
      expected: options.expected === true,
      program: null,
      conds: [],
      actions: [],
      times: { new: now },
      meta: {},
      runState: null,
      labels: [],
      slim: false,
    };
    this.#index.add(run);
    const problem = this.bind(run);
    if (options.stop !== undefined) run.times['stop'] = options.stop;
    if (problem !== null) {
      this.persist(run);
      this.fail(run, problem);
      return run;
    }
    run.times['schedule'] = options.time ?? now;
    this.persist(run);
    this.transition(run, 'scheduled');
    this.log(
      run,
      options.time === undefined ? 'scheduled: now' : `scheduled: ${new Date(options.time).toISOString()}`,
    );
    if (options.stop !== undefined) this.log(run, `stop time: ${new Date(options.stop).toISOString()}`);
    for (const note of options.notes ?? []) this.log(run, note);
    this.onScheduled(run, options.paced === true);
    return run;
  }

  /** Binds program and conditions from the current job; returns a problem message or null. */
  private bind(run: Run): string | null {
    return bindRun(run, this.job(run.jobId), this.deps.settings, (id) => this.job(id));
  }

  /** The template work of binding one run of `job` with `args` (binding.ts bindCost). */
  bindCost(job: Job, args: Args): { iterations: number; outputBytes: number } | undefined {
    return bindCost(job, args, this.deps.settings, (id) => this.job(id));
  }

  /** Ends a run in error with the message as its output (SPEC 11.3, 11.6). */
  fail(run: Run, message: string, cause: MoveCause = 'auto'): void {
    this.#outputs.write(run.runId, Buffer.from(`${message}\n`), 'text/plain');
    this.transition(run, 'error', { message, cause });
  }

  // ---- transitions ---------------------------------------------------------------------------------

  /** Subscribes to the engine's own moves, heard in the transition's synchronous step (waiter, actions). */
  onMove(fn: MoveListener): void {
    this.#moveListeners.push(fn);
  }

  /** Moves `run` to `to` if its cause allows it (SPEC 11.2), stamps the time, writes through, then publishes. */
  transition(run: Run, to: RunState, options: TransitionOptions = {}): void {
    if (this.closed) return; // after shutdown nothing changes; the next start recovers (SPEC 12.4)
    this.atomic(() => this.move(run, to, options));
  }

  private move(run: Run, to: RunState, options: TransitionOptions): void {
    this.hydrate(run);
    const from = run.state;
    const cause = options.cause ?? 'auto';
    if (!isLegalMove(from, to, cause))
      throw new OperationError(
        `can't move ${run.runId} from ${from} to ${to}${cause === 'auto' ? '' : ` (${cause})`}`,
      );
    const now = this.clock.now();
    run.state = to;
    run.timestamp = now;
    run.times[to] = now;
    run.runState = options.runState === undefined ? null : options.runState;
    if (options.meta !== undefined) run.meta = { ...run.meta, program: options.meta };
    const ended = isFinished(to) && !isFinished(from); // not a mark, which keeps what the run's end recorded
    if (ended && (to === 'success' || to === 'failure') && run.times['running'] !== undefined)
      run.meta = { ...run.meta, elapsed: (now - run.times['running']) / 1000 };
    if (from === 'stopping') this.#tasks.num_stopping -= 1;
    if (to === 'stopping') this.#tasks.num_stopping += 1;
    if (from === 'scheduled' && to !== 'scheduled') {
      this.onUnscheduled(run);
      if (run.expected) {
        run.expected = false;
        this.#logs.flush(run);
      }
    }
    this.persist(run);
    if (to !== 'new' && to !== 'scheduled')
      this.log(
        run,
        options.message !== undefined && FINISHED_LOG[to] === true ? `${to}: ${options.message}` : to,
      );
    if (this.events.count('transition') > 0) {
      const event: TransitionEvent = { run, from, summary: toSummary(run), meta: run.meta };
      this.events.emit('transition', event);
    }
    if (ended) this.#outputs.finish(run);
    for (const fn of this.#moveListeners) fn(run, from);
    if (isFinished(to) && !run.expected) slimDown(run);
  }

  /** Brings a light finished run back to its whole form before it changes (a mark persists every column). */
  private hydrate(run: Run): void {
    if (!run.slim) return;
    const rec = this.store.getRun(run.runId);
    if (rec === undefined) return;
    const whole = fromRecord(rec);
    run.program = whole.program;
    run.actions = whole.actions;
    run.meta = whole.meta;
    run.conds = whole.conds;
    run.slim = false;
  }

  /** The whole run: `run` itself, or for a light finished run a copy read from the store (not kept). */
  full(run: Run): Run {
    if (!run.slim) return run;
    const rec = this.store.getRun(run.runId);
    return rec === undefined ? run : fromRecord(rec);
  }

  /** Writes the run's row unless it is an expected run still in memory only. */
  persist(run: Run): void {
    if (!run.expected) this.store.upsertRun(toRecord(run));
  }

  /**
   * Writes an expected run to the store while it stays scheduled: the scheduler took it ahead of its time and moved
   * the persisted clock past it, so a restart must find it there (SPEC 12.2).
   */
  materialize(run: Run): void {
    if (!run.expected) return;
    this.atomic(() => {
      run.expected = false;
      this.#logs.flush(run);
      this.persist(run);
    });
  }

  /** Appends to the run log (held in memory for expected runs). */
  log(run: Run, message: string): void {
    this.#logs.log(run, message);
  }

  /**
   * Appends to the log of a run held in memory or, retired (SPEC 13.4), only in the store: an action still at work
   * when its run retires logs there. Nothing for an unknown run.
   */
  logRun(runId: string, message: string): void {
    const run = this.#index.get(runId);
    this.atomic(() => (run === undefined ? this.#logs.logStored(runId, message) : this.log(run, message)));
  }

  /** The run log (from memory for expected runs); `committedOnly` leaves out entries not committed yet. */
  runLog(runId: string, committedOnly = false): { timestamp: number; message: string }[] {
    return this.#logs.read(runId, committedOnly);
  }

  /** Removes an expected run that is still scheduled (reload, SPEC 10.3). */
  deleteExpected(run: Run): void {
    this.onUnscheduled(run);
    this.#index.remove(run);
    this.#logs.drop(run.runId);
    this.events.emit('delete', run.runId);
  }

  /** Takes a run read back from the store into memory (restore, SPEC 12.3). */
  adopt(run: Run): void {
    this.#index.add(run);
    if (run.state === 'stopping') this.#tasks.num_stopping += 1;
  }

  /**
   * Drops finished runs from memory, each with a `run_delete` for live views (retirement and archiving, SPEC 13.4):
   * they stay in the store (retired) or have just left it (archived). False for a run no longer held.
   */
  forget(run: Run): boolean {
    if (this.#index.get(run.runId) !== run) return false;
    this.#index.remove(run);
    this.events.emit('delete', run.runId);
    return true;
  }

  // ---- outputs -------------------------------------------------------------------------------------

  /** The output of a run still being written, or undefined. */
  liveOutput(runId: string): LiveOutput | undefined {
    return this.#outputs.live(runId);
  }

  // ---- running programs ----------------------------------------------------------------------------

  /**
   * → starting, then launches the program and follows its updates (SPEC 11.3 step 5). `startAt`: the process is to
   * exec at this (later) instant, its launch begun ahead of it.
   */
  startProgram(run: Run, startAt?: number): void {
    this.#programs.start(run, startAt);
  }

  /** Reconnects a run left running or stopping by a previous engine (SPEC 12.3). */
  reconnect(run: Run, stopping: StoppingState | null): void {
    this.#programs.reconnect(run, stopping);
  }

  // ---- operations (SPEC 11.4) ----------------------------------------------------------------------

  /** The run in memory; NotFoundError otherwise. */
  getRun(runId: string): Run {
    const run = this.#index.get(runId);
    if (run === undefined) throw new NotFoundError(`no run ${runId}`);
    return run;
  }

  /** A run in memory, or a retired one read from the store (SPEC 13.4); undefined when there is none. */
  findRun(runId: string): Run | undefined {
    const run = this.#index.get(runId);
    if (run !== undefined) return run;
    const rec = this.store.getRun(runId);
    return rec === undefined ? undefined : fromRecord(rec);
  }

  /**
   * Refuses an operator's change while the store cannot be written: it could be neither recorded nor shown, so the
   * operator gets the reason at once (a 503). Stop and signal stay allowed: in an outage they may be the way to end
   * a run that fills the disk.
   */
  requireWritable(): void {
    const failure = this.store.writeFailure;
    if (failure !== null) throw new StoreUnavailableError(failure);
  }

  startRun(runId: string): void {
    operations.startRun(this, runId);
  }

  skipRun(runId: string): void {
    operations.skipRun(this, runId);
  }

  stopRun(runId: string): Run {
    return operations.stopRun(this, runId);
  }

  signalRun(runId: string, sig: string): void {
    operations.signalRun(this, runId, sig);
  }

  /** An operator's mark (SPEC 11.4): a finished run to another finished state; output, meta and log are kept. */
  markRun(runId: string, state: RunState): void {
    operations.markRun(this, runId, state);
  }

  rerun(runId: string): Run {
    return operations.rerun(this, runId);
  }

  /** The program of a run being followed (running or stopping), if any. */
  runningProgram(runId: string): RunningProgram | undefined {
    return this.#programs.get(runId);
  }

  /**
   * Performs the actions a previous engine recorded and did not perform (SPEC 19.8); once, at start, with the list
   * read from the store before restore fired any new action.
   */
  resumeActions(pending: readonly PendingAction[]): void {
    this.#actions.resume(pending);
  }

  /** Stops following programs and waits; nothing is transitioned (SPEC 12.4). */
  close(): void {
    this.closed = true;
    this.lifetime.abort(new Error('engine closed'));
    this.#programs.detachAll();
    this.waiter.close();
  }

  /** Counts a task (wait, action) starting (+1) or ending (-1), for the stats. */
  countTask(kind: 'num_waiting' | 'num_action', delta: 1 | -1): void {
    this.#tasks[kind] += delta;
  }

  /** Engine activities in flight, for `async.num_tasks`. */
  numTasks(): number {
    const t = this.#tasks;
    return t.num_waiting + this.#programs.size + t.num_stopping + t.num_action;
  }

  /** The engine's part of the stats object (SPEC 17.1). */
  stats(): {
    tasks: TaskCounts;
    len_runlogdb_cache: number;
    run_store: { num_runs: number; num_queues: number; len_queues: number };
    outputs: { num_cached: number };
  } {
    return {
      tasks: { ...this.#tasks, num_running: this.#programs.size },
      len_runlogdb_cache: this.#logs.pendingRuns,
      run_store: { num_runs: this.#index.size, num_queues: this.waiter.numWatchers, len_queues: 0 },
      outputs: { num_cached: this.#outputs.size },
    };
  }
}

function sortArgs(args: Args): Args {
  const out: Args = {};
  for (const k of Object.keys(args).sort()) out[k] = args[k] as string;
  return out;
}
