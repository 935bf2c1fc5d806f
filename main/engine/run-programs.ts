/**
 * Programs of runs (SPEC 6, 11.3 step 5, 12.3): launched through their runtime (a process, locally or on a remote
 * host, a no-op, an internal program), or reconnected after a restart, and followed: each update the program sends
 * becomes the run's transition, output or meta, and a run's stop time stops it.
 */
import { join } from 'node:path';
import { isFinished } from '../../shared/model/states.js';
import type { BoundProgram } from '../programs/bind.js';
import { noOpRuntime } from '../programs/runtime/no-op.js';
import { processRuntime } from '../programs/runtime/process.js';
import {
  isTerminal,
  type ProgramContext,
  type ProgramRuntime,
  type RunningProgram,
  type StoppingState,
} from '../programs/runtime/types.js';
import type { Env } from '../procs/base-env.js';
import type { Engine } from './engine.js';
import type { RunOutputs } from './outputs.js';
import type { Run } from './run.js';

export class ProgramRunner {
  /** The programs followed now (running or stopping), by run ID. */
  private readonly programs = new Map<string, RunningProgram>();
  private readonly runtimes: Record<string, ProgramRuntime>;
  /**
   * The environment processes start from, copied once: reading process.env enumerates the real environment, a
   * cost every launch would pay. It is the environment the engine started with (nothing in it changes later).
   */
  readonly #baseEnv: Env;

  constructor(
    private readonly engine: Engine,
    private readonly outputs: RunOutputs,
  ) {
    const deps = engine.deps;
    this.#baseEnv = Object.freeze({ ...(deps.baseEnv ?? process.env) });
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

  /** Programs followed now. */
  get size(): number {
    return this.programs.size;
  }

  /** The program of a run followed now, if any. */
  get(runId: string): RunningProgram | undefined {
    return this.programs.get(runId);
  }

  /** Stops following every program (engine shutdown): they go on under their supervisors (SPEC 12.4). */
  detachAll(): void {
    for (const running of this.programs.values()) running.detach();
  }

  /** The folder of a process run's spool and result files; the supervisor creates it, other programs never do. */
  runDir(runId: string): string {
    return join(this.engine.deps.dataDir, 'runs', runId);
  }

  private context(run: Run, startAt?: number): ProgramContext {
    const runDir = this.runDir(run.runId);
    return {
      ...(startAt === undefined ? {} : { startAt }),
      clock: this.engine.clock,
      runId: run.runId,
      jobId: run.jobId,
      cwd: this.engine.deps.jobDir,
      runDir,
      launcher: this.engine.deps.launcher,
      ...(this.engine.deps.remote === undefined ? {} : { remote: this.engine.deps.remote }),
      baseEnv: this.#baseEnv,
      log: (message) => this.engine.log(run, message),
    };
  }

  private runtime(program: BoundProgram): ProgramRuntime | undefined {
    return this.runtimes[program.type];
  }

  /**
   * → starting, then launches the program and follows its updates (SPEC 11.3 step 5). `startAt`: the process is to
   * exec at this (later) instant, its launch begun ahead of it.
   */
  start(run: Run, startAt?: number): void {
    this.engine.transition(run, 'starting');
    const program = run.program;
    const runtime = program === null ? undefined : this.runtime(program);
    if (program === null || runtime === undefined) {
      this.engine.fail(run, `program type ${program?.type ?? '?'} cannot run in this engine`);
      return;
    }
    this.follow(run, runtime.start(program, this.context(run, startAt)));
  }

  /** Reconnects a run left running or stopping by a previous engine (SPEC 12.3). */
  reconnect(run: Run, stopping: StoppingState | null): void {
    const program = run.program;
    const runtime = program === null ? undefined : this.runtime(program);
    if (program === null || runtime === undefined) {
      this.engine.transition(run, 'error', { cause: 'restore', message: 'interrupted by shutdown' });
      return;
    }
    this.follow(run, runtime.connect(program, run.runState, run.times, this.context(run), stopping));
    // A running run's stop time still applies after a restart (SPEC 5.8); a stopping one is being stopped.
    if (stopping === null) this.armStopTimer(run);
  }

  private follow(run: Run, running: RunningProgram): void {
    this.programs.set(run.runId, running);
    void (async () => {
      try {
        for await (const u of running.updates) {
          if (this.engine.isClosed) return;
          switch (u.kind) {
            case 'running':
              this.engine.transition(run, 'running', { meta: u.meta, runState: u.runState });
              this.armStopTimer(run);
              break;
            case 'output':
              this.outputs.append(run, u.data, u.contentType);
              break;
            case 'meta':
              this.engine.atomic(() => {
                run.meta = { ...run.meta, program: u.meta };
                run.timestamp = this.engine.clock.now();
                this.engine.persist(run);
                this.engine.events.emit('meta', run.runId, run.meta);
              });
              break;
            case 'success':
              this.engine.transition(run, 'success', { meta: u.meta });
              break;
            case 'failure':
              this.engine.transition(run, 'failure', { meta: u.meta, message: u.message });
              break;
            case 'error':
              // Every error text goes to the output (SPEC 11.6).
              if (this.outputs.live(run.runId) === undefined)
                this.outputs.append(run, Buffer.from(`${u.message}\n`));
              this.engine.transition(run, 'error', { meta: u.meta, message: u.message });
              break;
          }
          if (isTerminal(u)) this.engine.afterCommit(() => running.finished?.());
        }
      } catch (e) {
        if (!isFinished(run.state))
          this.engine.transition(run, 'error', { message: `internal error: ${(e as Error).message}` });
      } finally {
        this.programs.delete(run.runId);
      }
    })();
  }

  private armStopTimer(run: Run): void {
    const stop = run.times['stop'];
    if (stop === undefined) return;
    this.engine.clock.sleepUntil(stop, this.engine.lifetimeSignal).then(
      () => {
        if (run.state === 'running' && !this.engine.isClosed) this.engine.stopRun(run.runId);
      },
      () => {},
    );
  }
}
