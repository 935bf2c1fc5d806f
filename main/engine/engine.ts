/**
 * The engine (SPEC 2, 11): creates runs, moves them through their states, runs their programs, and keeps
 * every change written through to SQLite before anyone hears of it.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Problem } from '../../shared/model/problem.js';
import { isFinished, TRANSITIONS, type RunState } from '../../shared/model/states.js';
import { bindConditions } from '../conditions/bind.js';
import type { Job } from '../jobs/job.js';
import { jobLabels } from '../jobs/job.js';
import { templateOptions } from '../jobs/template-options.js';
import { bindProgram, isProcessProgram, type BoundProgram } from '../programs/bind.js';
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
import type { Launcher } from '../procs/launcher.js';
import type { RemoteHosts } from '../remote/hosts.js';
import { StoreUnavailableError, type SqliteStore } from '../store/sqlite-store.js';
import { runActions } from './actions-runner.js';
import type { Clock } from './clock.js';
import { NotFoundError, OperationError } from './errors.js';
import { OutputBuffer } from './outputs.js';
import { Publisher } from './publisher.js';
import { RunIndex } from './run-index.js';
import { fromRecord, slimDown, toRecord, type Args, type Run } from './run.js';
import type { Settings } from './settings.js';
import { Waiter } from './waiter.js';

export interface EngineDeps {
  clock: Clock;
  store: SqliteStore;
  launcher: Launcher;
  /** Remote hosts over SSH (SPEC 24). */
  remote: RemoteHosts;
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
}

interface TransitionOptions {
  forced?: boolean;
  message?: string;
  meta?: Record<string, unknown>;
  runState?: Record<string, unknown> | null;
}

/** Counters for the stats object (SPEC 17.1). */
export interface TaskCounts {
  num_waiting: number;
  num_running: number;
  num_stopping: number;
  num_action: number;
}

const FINISHED_LOG: Partial<Record<RunState, boolean>> = { failure: true, error: true };

export class Engine {
  readonly runs = new RunIndex();
  readonly events = new Publisher();
  readonly jobs = new Map<string, Job>();
  /** Ad hoc jobs (SPEC 10.4): kept apart, since listings leave them out. */
  readonly adHocJobs = new Map<string, Job>();
  jobErrors: Problem[] = [];
  /** Jobs whose files failed on the last reload but whose previous definition stays in force (SPEC 10.3). */
  readonly loadErrorJobs = new Set<string>();
  readonly waiter: Waiter;
  readonly tasks: TaskCounts = { num_waiting: 0, num_running: 0, num_stopping: 0, num_action: 0 };
  /** Run logs of expected runs, written when they leave `scheduled` (SPEC 11.5). */
  readonly pendingLogs = new Map<string, { timestamp: number; message: string }[]>();
  readonly outputs = new Map<string, OutputBuffer>();
  private readonly programs = new Map<string, RunningProgram>();
  private closed = false;
  /** Aborted at shutdown: ends the engine's own timers (stop times) so they cannot act on a closed engine. */
  private readonly lifetime = new AbortController();
  private readonly runtimes: Record<string, ProgramRuntime>;
  /** Called when a scheduled run is created, to put it in the due queue; set by the scheduler. */
  onScheduled: (run: Run) => void = () => {};
  /** Called when a run leaves `scheduled`, to take it out of the due queue; set by the scheduler. */
  onUnscheduled: (run: Run) => void = () => {};

  constructor(readonly deps: EngineDeps) {
    this.waiter = new Waiter(this);
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

  get store(): SqliteStore {
    return this.deps.store;
  }

  /** The job, or undefined. Ad hoc jobs are looked up in the DB. */
  job(jobId: string): Job | undefined {
    return this.jobs.get(jobId) ?? this.adHocJobs.get(jobId);
  }

  // ---- creation ------------------------------------------------------------------------------------

  /** Creates a run of `jobId` (SPEC 11.3). Binding problems put the run in error; the call still succeeds. */
  createRun(jobId: string, args: Args, options: CreateOptions = {}): Run {
    if (this.closed) throw new OperationError('the engine is shutting down');
    return this.atomic(() => this.create(jobId, args, options));
  }

  /**
   * Runs `fn` in the store's write batch: the writes of one event-loop turn (creations, transitions, log entries,
   * a batch of due runs) commit together at the end of the turn. Listeners that reach outside the process send
   * through afterCommit(), so nothing is published before it is durable (STYLE.md 2).
   */
  atomic<T>(fn: () => T): T {
    return this.closed ? fn() : this.store.batch(fn);
  }

  /** Calls `fn` once every change made so far is committed: the way out for live streams. */
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
    this.runs.add(run);
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
    this.onScheduled(run);
    return run;
  }

  /** Binds program and conditions from the current job; returns a problem message or null. */
  private bind(run: Run): string | null {
    const job = this.job(run.jobId);
    if (job === undefined) return `no job ${run.jobId}`;
    run.labels = jobLabels(job);
    run.meta = { job: { labels: run.labels } };
    run.actions = [...job.actions, ...this.deps.settings.action];
    const missing = job.params.filter((p) => !(p in run.args));
    if (missing.length > 0) return `missing args (${missing.join(', ')}) for job ${job.jobId}`;
    const extra = Object.keys(run.args).filter((a) => !job.params.includes(a));
    if (extra.length > 0) return `extra args (${extra.join(', ')}) for job ${job.jobId}`;
    const names = { run_id: run.runId, job_id: run.jobId, ...run.args };
    const options = templateOptions(this.deps.settings.calendars_dir);
    const program = bindProgram(job.program, names, options);
    if (!program.ok) return program.error;
    run.program = program.program;
    const conds = bindConditions(job.conditions, job.jobId, run.args, names, (id) => this.job(id), options);
    if (!conds.ok) return conds.error;
    run.conds = conds.conds;
    return null;
  }

  /** Forced error with the message as the run's output (SPEC 11.3). */
  fail(run: Run, message: string): void {
    this.writeOutput(run.runId, Buffer.from(`${message}\n`), 'text/plain');
    this.transition(run, 'error', { forced: true, message });
  }

  // ---- transitions ---------------------------------------------------------------------------------

  /** Moves `run` to `to`: checks the table, stamps the time, writes through, then publishes (STYLE.md 2). */
  transition(run: Run, to: RunState, options: TransitionOptions = {}): void {
    if (this.closed) return; // after shutdown nothing changes; the next start recovers (SPEC 12.4)
    this.atomic(() => this.move(run, to, options));
  }

  private move(run: Run, to: RunState, options: TransitionOptions): void {
    this.hydrate(run);
    const from = run.state;
    if (options.forced !== true && !(TRANSITIONS[to] as readonly RunState[]).includes(from))
      throw new OperationError(`can't move ${run.runId} from ${from} to ${to}`);
    const now = this.clock.now();
    run.state = to;
    run.timestamp = now;
    run.times[to] = now;
    run.runState = options.runState === undefined ? null : options.runState;
    if (options.meta !== undefined) run.meta = { ...run.meta, program: options.meta };
    if ((to === 'success' || to === 'failure') && run.times['running'] !== undefined)
      run.meta = { ...run.meta, elapsed: (now - run.times['running']) / 1000 };
    if (from === 'stopping') this.tasks.num_stopping -= 1;
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
    this.events.emit('transition', run);
    if (isFinished(to)) this.finishOutput(run);
    this.waiter.onTransition(run);
    runActions(this, run);
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

  /** The whole run: `run` itself, or for a light finished run a copy read from the database (not kept). */
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
   * Writes an expected run to the database while it stays scheduled: the scheduler took it ahead of its time and
   * moved the persisted clock past it, so a restart must find it there (SPEC 12.2).
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
      let list = this.pendingLogs.get(run.runId);
      if (list === undefined) this.pendingLogs.set(run.runId, (list = []));
      list.push({ timestamp, message });
    } else this.store.appendRunLog(run.runId, timestamp / 1000, message);
    this.events.emit('log', run.runId, timestamp, message);
  }

  private flushPendingLog(run: Run): void {
    const list = this.pendingLogs.get(run.runId);
    if (list === undefined) return;
    this.pendingLogs.delete(run.runId);
    this.store.appendRunLogs(
      list.map((e) => ({ run_id: run.runId, timestamp: e.timestamp / 1000, message: e.message })),
    );
  }

  /** The run log, from memory for expected runs. */
  runLog(runId: string): { timestamp: number; message: string }[] {
    const pending = this.pendingLogs.get(runId);
    if (pending !== undefined) return pending;
    return this.store.runLog(runId).map((e) => ({ timestamp: e.timestamp * 1000, message: e.message }));
  }

  /** Removes an expected run that is still scheduled (reload, SPEC 10.3). */
  deleteExpected(run: Run): void {
    this.onUnscheduled(run);
    this.runs.remove(run);
    this.pendingLogs.delete(run.runId);
    this.events.emit('delete', run.runId);
  }

  // ---- outputs -------------------------------------------------------------------------------------

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
    let buffer = this.outputs.get(run.runId);
    if (buffer === undefined) this.outputs.set(run.runId, (buffer = new OutputBuffer()));
    if (contentType !== undefined) buffer.contentType = contentType;
    const kept = buffer.append(data);
    if (kept.length > 0) this.events.emit('output', run.runId, kept, buffer.length);
  }

  private finishOutput(run: Run): void {
    // A process's spool and result files are no longer needed once its end is committed: without this every
    // output would stay on disk a second time, forever.
    if (isProcessProgram(run.program)) {
      const runDir = this.runDir(run.runId);
      this.afterCommit(() => void rm(runDir, { recursive: true, force: true }).catch(() => {}));
    }
    const buffer = this.outputs.get(run.runId);
    if (buffer === undefined) {
      // A program that ran and wrote nothing has an empty output, not a missing one.
      if (run.times['running'] !== undefined && isProcessProgram(run.program))
        this.writeOutput(run.runId, Buffer.alloc(0), 'application/octet-stream');
      return;
    }
    this.outputs.delete(run.runId);
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
      remote: this.deps.remote,
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
      this.transition(run, 'error', { forced: true, message: 'interrupted by shutdown' });
      return;
    }
    this.follow(run, runtime.connect(program, run.runState, run.times, this.context(run), stopping));
    // A running run's stop time still applies after a restart (SPEC 5.8); a stopping one is being stopped.
    if (stopping === null) this.armStopTimer(run);
  }

  private follow(run: Run, running: RunningProgram): void {
    this.programs.set(run.runId, running);
    this.tasks.num_running += 1;
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
              run.meta = { ...run.meta, program: u.meta };
              run.timestamp = this.clock.now();
              this.persist(run);
              this.events.emit('meta', run);
              break;
            case 'success':
              this.transition(run, 'success', { meta: u.meta });
              break;
            case 'failure':
              this.transition(run, 'failure', { meta: u.meta, message: u.message });
              break;
            case 'error':
              // Every error text goes to the output (SPEC 11.6).
              if (!this.outputs.has(run.runId)) this.appendOutput(run, Buffer.from(`${u.message}\n`));
              this.transition(run, 'error', { meta: u.meta, message: u.message, forced: true });
              break;
          }
          if (isTerminal(u)) this.afterCommit(() => running.finished?.());
        }
      } catch (e) {
        if (!isFinished(run.state))
          this.transition(run, 'error', { forced: true, message: `internal error: ${(e as Error).message}` });
      } finally {
        this.programs.delete(run.runId);
        this.tasks.num_running -= 1;
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

  /** The run, in memory or (read-only) from the DB; NotFoundError otherwise. */
  getRun(runId: string): Run {
    const run = this.runs.get(runId);
    if (run === undefined) throw new NotFoundError(`no run ${runId}`);
    return run;
  }

  /**
   * Refuses an operator's change while the database cannot be written: it could be neither recorded nor shown, so
   * the operator gets the reason at once (a 503 on the API). Stop and signal stay allowed: in an outage they may be
   * the way to end a run that fills the disk.
   */
  requireWritable(): void {
    const failure = this.store.writeFailure;
    if (failure !== null) throw new StoreUnavailableError(failure);
  }

  startRun(runId: string): void {
    this.requireWritable();
    const run = this.getRun(runId);
    if (run.state === 'scheduled') {
      this.log(run, 'scheduled run started by override');
      this.onUnscheduled(run);
      this.waiter.admit(run);
    } else if (run.state === 'waiting') {
      this.log(run, 'waiting run started by override');
      this.waiter.cancel(run);
      this.startProgram(run);
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
    this.tasks.num_stopping += 1;
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

  markRun(runId: string, state: RunState): void {
    this.requireWritable();
    const run = this.getRun(runId);
    if (!isFinished(state)) throw new OperationError(`can't mark ${runId} as ${state}: not a finished state`);
    if (!isFinished(run.state))
      throw new OperationError(`can't mark ${runId}: run is ${run.state}, not finished`);
    if (run.state === state) throw new OperationError(`${runId} is already in state ${state}`);
    this.log(run, `marked as ${state}`);
    this.transition(run, state, { forced: true });
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

  /** Stops following programs and waits; nothing is transitioned (SPEC 12.4). */
  close(): void {
    this.closed = true;
    this.lifetime.abort(new Error('engine closed'));
    for (const running of this.programs.values()) running.detach();
    this.waiter.close();
  }

  /** Engine activities in flight, for `async.num_tasks`. */
  numTasks(): number {
    return this.tasks.num_waiting + this.tasks.num_running + this.tasks.num_stopping + this.tasks.num_action;
  }
}

function sortArgs(args: Args): Args {
  const out: Args = {};
  for (const k of Object.keys(args).sort()) out[k] = args[k] as string;
  return out;
}
