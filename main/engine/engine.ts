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
import { join } from 'node:path';
import type { Problem } from '../../shared/model/problem.js';
import type { RunSummary } from '../../shared/model/run.js';
import { isFinished, isLegalMove, type MoveCause, type RunState } from '../../shared/model/states.js';
import type { Job } from '../jobs/job.js';
import { isProcessProgram, type BoundProgram } from '../programs/bind.js';
import { noOpRuntime } from '../programs/runtime/no-op.js';
import { processRuntime } from '../programs/runtime/process.js';
import {
  isTerminal,
  type ProgramContext,
  type ProgramRuntime,
  type RunningProgram,
  type StoppingState,
} from '../programs/runtime/types.js';
import { normalizeSignal } from '../programs/signals.js';
import type { Env } from '../procs/base-env.js';
import type { Launcher } from '../procs/launcher.js';
import { removeRunDir } from '../procs/local-process.js';
import type { RemoteHosts } from '../remote/hosts.js';
import { StoreUnavailableError } from '../store/store-error.js';
import type { PendingAction, RunStore } from '../store/run-store.js';
import { ActionRunner } from './actions-runner.js';
import { bindCost, bindRun } from './binding.js';
import { JobTable, type JobLoad } from './job-table.js';
import type { Clock } from './clock.js';
import { NotFoundError, OperationError } from './errors.js';
import { OutputBuffer } from './outputs.js';
import { Publisher } from './publisher.js';
import { RunIndex, type RunQueries } from './run-index.js';
import { fromRecord, slimDown, toRecord, toSummary, type Args, type Run } from './run.js';
import type { Settings } from './settings.js';
import { Waiter } from './waiter.js';

export interface EngineDeps {
  clock: Clock;
  store: RunStore;
  launcher: Launcher;
  /** Remote hosts over SSH (SPEC 24); without them a program with a host ends in error. */
  remote?: RemoteHosts;
  /** The environment processes start from (SPEC 6.2; default: this process's environment). */
  baseEnv?: Env;
  settings: Settings;
  /** The job folder: working directory of processes. */
  jobDir: string;
  /** Where per-run spool and result files go. */
  dataDir: string;
  /** Extra program runtimes by type (internal programs). */
  runtimes?: Record<string, ProgramRuntime>;
}

export interface CreateOptions {
  /** Schedule time (epoch ms); now when absent. */
  time?: number;
  stop?: number;
  expected?: boolean;
  /** Run-log messages after `scheduled: ...` (e.g. `scheduled by action of r12`). */
  notes?: string[];
  /**
   * One of many runs a single request creates: when due, it is handed to the waiter at once only up to a slice of
   * runs per event-loop turn, the rest in the next turns (SPEC 15.1: no request holds the loop).
   */
  paced?: boolean;
}

export interface TransitionOptions {
  /** Why the run moves (SPEC 11.2); default `auto`, the automatic table. */
  cause?: MoveCause;
  message?: string;
  meta?: Record<string, unknown>;
  runState?: Record<string, unknown> | null;
}

/** A transition as the outside hears of it: the run's summary and meta as they were right after it. */
export interface TransitionEvent {
  /** The live run (it may have moved on since: read `summary` and `meta` for this transition). */
  run: Run;
  from: RunState;
  summary: RunSummary;
  meta: Record<string, unknown>;
}

/** Counters for the stats object (SPEC 17.1). */
export interface TaskCounts {
  num_waiting: number;
  num_running: number;
  num_stopping: number;
  num_action: number;
}

/** An output still being written: its bytes so far. */
export interface LiveOutput {
  readonly length: number;
  readonly contentType: string;
  bytes(): Buffer;
}

/** A listener of the engine's own moves (waiter, actions): called in the transition's synchronous step. */
export type MoveListener = (run: Run, from: RunState) => void;

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
  readonly #tasks: TaskCounts = { num_waiting: 0, num_running: 0, num_stopping: 0, num_action: 0 };
  /** Run logs of expected runs, written when they leave `scheduled` (SPEC 11.5). */
  readonly #pendingLogs = new Map<string, { timestamp: number; message: string }[]>();
  readonly #outputs = new Map<string, OutputBuffer>();
  readonly #moveListeners: MoveListener[] = [];
  /**
   * The environment processes start from, copied once: reading process.env enumerates the real environment, a
   * cost every launch would pay. It is the environment the engine started with (nothing in it changes later).
   */
  readonly #baseEnv: Env;
  private readonly programs = new Map<string, RunningProgram>();
  private closed = false;
  /** Aborted at shutdown: ends the engine's own timers (stop times) so they cannot act on a closed engine. */
  private readonly lifetime = new AbortController();
  private readonly runtimes: Record<string, ProgramRuntime>;
  /** Called when a scheduled run is created (or restored), to put it in the due queue; set by the scheduler. */
  onScheduled: (run: Run, paced?: boolean) => void = () => {};
  /** Called when a run leaves `scheduled`, to take it out of the due queue; set by the scheduler. */
  onUnscheduled: (run: Run) => void = () => {};

  constructor(readonly deps: EngineDeps) {
    this.#baseEnv = Object.freeze({ ...(deps.baseEnv ?? process.env) });
    this.events = new Publisher((deliver) => deps.store.afterCommit(deliver));
    this.#jobTable = new JobTable(this.events);
    this.waiter = new Waiter(this);
    this.#actions = new ActionRunner(this);
    this.runtimes = {
      shell: processRuntime,
      program: processRuntime,
      'apsis.program.process.ShellCommandProgram': processRuntime,
      'apsis.program.process.ProcessProgram': processRuntime,
      procstar: processRuntime,
      'procstar-shell': processRuntime,
      'no-op': noOpRuntime,
      ...deps.runtimes,
    };
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  /** Aborted when the engine shuts down: work in the background (alert deliveries) stops there. */
  get lifetimeSignal(): AbortSignal {
    return this.lifetime.signal;
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
    this.writeOutput(run.runId, Buffer.from(`${message}\n`), 'text/plain');
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
        this.flushPendingLog(run);
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
    if (ended) this.finishOutput(run);
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
      this.flushPendingLog(run);
      this.persist(run);
    });
  }

  /** Appends to the run log (held in memory for expected runs). */
  log(run: Run, message: string): void {
    const timestamp = this.clock.now();
    if (run.expected) {
      let list = this.#pendingLogs.get(run.runId);
      if (list === undefined) this.#pendingLogs.set(run.runId, (list = []));
      list.push({ timestamp, message });
    } else this.store.appendRunLog(run.runId, timestamp / 1000, message);
    this.events.emit('log', run.runId, timestamp, message);
  }

  /**
   * Appends to the log of a run held in memory or, retired (SPEC 13.4), only in the store: an action still at work
   * when its run retires logs there. Nothing for an unknown run.
   */
  logRun(runId: string, message: string): void {
    const run = this.#index.get(runId);
    if (run !== undefined) {
      this.atomic(() => this.log(run, message));
      return;
    }
    if (this.store.getRun(runId) === undefined) return;
    const timestamp = this.clock.now();
    this.atomic(() => this.store.appendRunLog(runId, timestamp / 1000, message));
    this.events.emit('log', runId, timestamp, message);
  }

  private flushPendingLog(run: Run): void {
    const list = this.#pendingLogs.get(run.runId);
    if (list === undefined) return;
    this.#pendingLogs.delete(run.runId);
    this.store.appendRunLogs(
      list.map((e) => ({ run_id: run.runId, timestamp: e.timestamp / 1000, message: e.message })),
    );
  }

  /** The run log (from memory for expected runs); `committedOnly` leaves out entries not committed yet. */
  runLog(runId: string, committedOnly = false): { timestamp: number; message: string }[] {
    const pending = this.#pendingLogs.get(runId);
    if (pending !== undefined) return committedOnly ? [] : pending;
    return this.store
      .runLog(runId, committedOnly)
      .map((e) => ({ timestamp: e.timestamp * 1000, message: e.message }));
  }

  /** Removes an expected run that is still scheduled (reload, SPEC 10.3). */
  deleteExpected(run: Run): void {
    this.onUnscheduled(run);
    this.#index.remove(run);
    this.#pendingLogs.delete(run.runId);
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
    return this.#outputs.get(runId);
  }

  private writeOutput(runId: string, data: Buffer, contentType: string): void {
    this.store.writeOutput({
      run_id: runId,
      output_id: 'output',
      name: 'combined stdout & stderr',
      content_type: contentType,
      data,
    });
  }

  private appendOutput(run: Run, data: Buffer, contentType?: string): void {
    let buffer = this.#outputs.get(run.runId);
    if (buffer === undefined) this.#outputs.set(run.runId, (buffer = new OutputBuffer()));
    if (contentType !== undefined) buffer.contentType = contentType;
    const kept = buffer.append(data);
    if (kept.length > 0) this.events.emit('output', run.runId, kept, buffer.length);
  }

  private finishOutput(run: Run): void {
    // A process's spool and result files are no longer needed once its end is committed: without this every
    // output would stay on disk a second time, forever.
    if (isProcessProgram(run.program)) {
      const runDir = this.runDir(run.runId);
      this.afterCommit(() => removeRunDir(runDir));
    }
    const buffer = this.#outputs.get(run.runId);
    if (buffer === undefined) {
      // A program that ran and wrote nothing has an empty output, not a missing one.
      if (run.times['running'] !== undefined && isProcessProgram(run.program))
        this.writeOutput(run.runId, Buffer.alloc(0), 'application/octet-stream');
      return;
    }
    this.#outputs.delete(run.runId);
    this.writeOutput(run.runId, buffer.bytes(), buffer.contentType);
  }

  // ---- running programs ----------------------------------------------------------------------------

  /** The folder of a process run's spool and result files; the supervisor creates it, other programs never do. */
  private runDir(runId: string): string {
    return join(this.deps.dataDir, 'runs', runId);
  }

  private context(run: Run, startAt?: number): ProgramContext {
    const runDir = this.runDir(run.runId);
    return {
      ...(startAt === undefined ? {} : { startAt }),
      clock: this.clock,
      runId: run.runId,
      jobId: run.jobId,
      cwd: this.deps.jobDir,
      runDir,
      launcher: this.deps.launcher,
      ...(this.deps.remote === undefined ? {} : { remote: this.deps.remote }),
      baseEnv: this.#baseEnv,
      log: (message) => this.log(run, message),
    };
  }

  private runtime(program: BoundProgram): ProgramRuntime | undefined {
    return this.runtimes[program.type];
  }

  /**
   * → starting, then launches the program and follows its updates (SPEC 11.3 step 5). `startAt`: the process is to
   * exec at this (later) instant, its launch begun ahead of it.
   */
  startProgram(run: Run, startAt?: number): void {
    this.transition(run, 'starting');
    const program = run.program;
    const runtime = program === null ? undefined : this.runtime(program);
    if (program === null || runtime === undefined) {
      this.fail(run, `program type ${program?.type ?? '?'} cannot run in this engine`);
      return;
    }
    this.follow(run, runtime.start(program, this.context(run, startAt)));
  }

  /** Reconnects a run left running or stopping by a previous engine (SPEC 12.3). */
  reconnect(run: Run, stopping: StoppingState | null): void {
    const program = run.program;
    const runtime = program === null ? undefined : this.runtime(program);
    if (program === null || runtime === undefined) {
      this.transition(run, 'error', { cause: 'restore', message: 'interrupted by shutdown' });
      return;
    }
    this.follow(run, runtime.connect(program, run.runState, run.times, this.context(run), stopping));
    // A running run's stop time still applies after a restart (SPEC 5.8); a stopping one is being stopped.
    if (stopping === null) this.armStopTimer(run);
  }

  private follow(run: Run, running: RunningProgram): void {
    this.programs.set(run.runId, running);
    this.#tasks.num_running += 1;
    void (async () => {
      try {
        for await (const u of running.updates) {
          if (this.closed) return;
          switch (u.kind) {
            case 'running':
              this.transition(run, 'running', { meta: u.meta, runState: u.runState });
              this.armStopTimer(run);
              break;
            case 'output':
              this.appendOutput(run, u.data, u.contentType);
              break;
            case 'meta':
              this.atomic(() => {
                run.meta = { ...run.meta, program: u.meta };
                run.timestamp = this.clock.now();
                this.persist(run);
                this.events.emit('meta', run.runId, run.meta);
              });
              break;
            case 'success':
              this.transition(run, 'success', { meta: u.meta });
              break;
            case 'failure':
              this.transition(run, 'failure', { meta: u.meta, message: u.message });
              break;
            case 'error':
              // Every error text goes to the output (SPEC 11.6).
              if (!this.#outputs.has(run.runId)) this.appendOutput(run, Buffer.from(`${u.message}\n`));
              this.transition(run, 'error', { meta: u.meta, message: u.message });
              break;
          }
          if (isTerminal(u)) this.afterCommit(() => running.finished?.());
        }
      } catch (e) {
        if (!isFinished(run.state))
          this.transition(run, 'error', { message: `internal error: ${(e as Error).message}` });
      } finally {
        this.programs.delete(run.runId);
        this.#tasks.num_running -= 1;
      }
    })();
  }

  private armStopTimer(run: Run): void {
    const stop = run.times['stop'];
    if (stop === undefined) return;
    this.clock.sleepUntil(stop, this.lifetime.signal).then(
      () => {
        if (run.state === 'running' && !this.closed) this.stopRun(run.runId);
      },
      () => {},
    );
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
    this.requireWritable();
    const run = this.getRun(runId);
    if (run.state === 'scheduled') {
      this.atomic(() => {
        this.log(run, 'scheduled run started by override');
        this.onUnscheduled(run);
        this.waiter.admit(run);
      });
    } else if (run.state === 'waiting') {
      this.atomic(() => {
        this.log(run, 'waiting run started by override');
        this.waiter.cancel(run);
        this.startProgram(run);
      });
    } else throw new OperationError(`can't start ${runId} in state ${run.state}`);
  }

  skipRun(runId: string): void {
    this.requireWritable();
    const run = this.getRun(runId);
    if (run.state !== 'scheduled' && run.state !== 'waiting')
      throw new OperationError(`can't skip ${runId} in state ${run.state}`);
    if (run.state === 'waiting') this.waiter.cancel(run);
    this.transition(run, 'skipped');
  }

  stopRun(runId: string): Run {
    const run = this.getRun(runId);
    if (run.state === 'stopping') return run;
    if (run.state !== 'running') throw new OperationError(`can't stop ${runId}: run is ${run.state}`);
    const program = this.programs.get(runId);
    const grace = isProcessProgram(run.program) ? run.program.stop.grace_period : 0;
    const deadline = this.clock.now() + grace * 1000;
    this.transition(run, 'stopping', {
      runState: { ...(run.runState ?? {}), stopping: true, stop_deadline: deadline },
    });
    program?.stop(deadline);
    return run;
  }

  signalRun(runId: string, sig: string): void {
    const run = this.getRun(runId);
    const name = normalizeSignal(sig);
    if (name === null) throw new OperationError(`unknown signal ${sig}`);
    if (run.state !== 'running' && run.state !== 'stopping')
      throw new OperationError(`can't signal ${runId}: run is ${run.state}`);
    const program = this.programs.get(runId);
    if (program === undefined || !program.signal(name))
      throw new OperationError(`can't signal ${runId}: its program is not a process`);
    // Logged once sent, so a refused signal leaves no trace in the run log; the outcome follows later.
    this.log(run, `sending ${name}`);
  }

  /** An operator's mark (SPEC 11.4): a finished run to another finished state; output, meta and log are kept. */
  markRun(runId: string, state: RunState): void {
    this.requireWritable();
    const run = this.getRun(runId);
    if (!isFinished(state)) throw new OperationError(`can't mark ${runId} as ${state}: not a finished state`);
    if (!isFinished(run.state))
      throw new OperationError(`can't mark ${runId}: run is ${run.state}, not finished`);
    if (run.state === state) throw new OperationError(`${runId} is already in state ${state}`);
    this.atomic(() => {
      this.log(run, `marked as ${state}`);
      this.transition(run, state, { cause: 'mark' });
    });
  }

  rerun(runId: string): Run {
    this.requireWritable();
    const old = this.getRun(runId);
    if (this.job(old.jobId) === undefined)
      throw new OperationError(`can't rerun ${runId}: job ${old.jobId} no longer exists`);
    const stop = old.times['stop'];
    return this.createRun(old.jobId, old.args, {
      ...(stop === undefined ? {} : { stop }),
      notes: [`scheduled as rerun of ${runId}`],
    });
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
    for (const running of this.programs.values()) running.detach();
    this.waiter.close();
  }

  /** Counts a task (wait, action) starting (+1) or ending (-1), for the stats. */
  countTask(kind: 'num_waiting' | 'num_action', delta: 1 | -1): void {
    this.#tasks[kind] += delta;
  }

  /** Engine activities in flight, for `async.num_tasks`. */
  numTasks(): number {
    const t = this.#tasks;
    return t.num_waiting + t.num_running + t.num_stopping + t.num_action;
  }

  /** The engine's part of the stats object (SPEC 17.1). */
  stats(): {
    tasks: TaskCounts;
    len_runlogdb_cache: number;
    run_store: { num_runs: number; num_queues: number; len_queues: number };
    outputs: { num_cached: number };
  } {
    return {
      tasks: { ...this.#tasks },
      len_runlogdb_cache: this.#pendingLogs.size,
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
