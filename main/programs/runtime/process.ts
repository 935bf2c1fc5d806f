/** `shell` and `program` (SPEC 6.2, 6.3): a local process under a supervisor, with timeout and stop escalation. */
import { hostname, userInfo } from 'node:os';
import { follow } from '../../procs/follow.js';
import { isAlive, signal as signalGroup, type ExitResult, type RunState } from '../../procs/local-process.js';
import type { BoundProcessProgram as ProcessProgram, BoundTimeout } from '../bind.js';
import {
  UpdateQueue,
  type Meta,
  type ProcessHandle,
  type ProcessTarget,
  type ProgramContext,
  type ProgramRuntime,
  type RunningProgram,
} from './types.js';
import type { Env } from '../../procs/base-env.js';

function argvOf(p: ProcessProgram): string[] {
  const argv = 'command' in p ? ['/bin/bash', '-c', p.command] : p.argv;
  if (p.user === undefined) return argv;
  return ['sudo', '--non-interactive', '--preserve-env', '--set-home', '--user', p.user, '--', ...argv];
}

/** Longest a made-ready process waits for its start time (the engine begins launches 50 ms ahead). */
const MAX_DELAY_MS = 1000;

/** The engine's own secrets, never passed on to jobs (which may run as other users, and print their environment). */
const WITHHELD = new Set(['APSIS_TOKEN']);

/** The base environments seen, without what is withheld: the engine passes the same frozen copy to every run. */
const jobBase = new WeakMap<Env, Readonly<Record<string, string>>>();

function env(ctx: ProgramContext): Record<string, string> {
  let base = jobBase.get(ctx.baseEnv);
  if (base === undefined || !Object.isFrozen(ctx.baseEnv)) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.baseEnv)) if (v !== undefined && !WITHHELD.has(k)) out[k] = v;
    base = out;
    if (Object.isFrozen(ctx.baseEnv)) jobBase.set(ctx.baseEnv, base);
  }
  return { ...base, APSIS_RUN_ID: ctx.runId, APSIS_JOB_ID: ctx.jobId };
}

/** The engine's user: looked up once (os.userInfo reads the user database at every call). */
let username: string | undefined;

function isRunState(v: unknown): v is RunState {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return typeof r['pgid'] === 'number' && typeof r['spool'] === 'string' && typeof r['result'] === 'string';
}

/** A process on this host under its supervisor (SPEC 6.2). */
function localHandle(state: RunState): ProcessHandle {
  return {
    runState: { ...state },
    meta: {
      pid: state.pid,
      hostname: hostname(),
      username: (username ??= userInfo().username),
      start_time: state.start,
    },
    start: state.start,
    follow: (offset, signal) => follow(state, offset, signal),
    signal: (sig) => signalGroup(state, sig),
    alive: () => Promise.resolve(isAlive(state)),
  };
}

/** This host: processes started through the launcher helper. */
function localTarget(ctx: ProgramContext): ProcessTarget {
  return {
    async launch(argv, delay) {
      const result = await ctx.launcher.launch({
        argv,
        env: env(ctx),
        cwd: ctx.cwd,
        runDir: ctx.runDir,
        ...(delay > 0 ? { delay } : {}),
      });
      return result.ok ? { ok: true, handle: localHandle(result.runState) } : result;
    },
    attach(runState) {
      return isRunState(runState)
        ? localHandle(runState)
        : 'program lost: no process information was recorded';
    },
  };
}

/** Where `program` runs: this host, or the host (group) it names (SPEC 24). */
function targetOf(program: ProcessProgram, ctx: ProgramContext): ProcessTarget {
  const remote = ctx.remote;
  if (remote === undefined) {
    const named = program.host ?? (program.group_id === 'default' ? undefined : program.group_id);
    return named === undefined ? localTarget(ctx) : unreachable(named);
  }
  const host = remote.hostOf(program);
  return host === null ? localTarget(ctx) : remote.target(host, ctx);
}

/** An engine without remote hosts: a program naming a host ends in error. */
function unreachable(host: string): ProcessTarget {
  const error = `cannot run on host ${host}: this engine has no remote hosts`;
  return { launch: () => Promise.resolve({ ok: false, error }), attach: () => error };
}

/** Follows a launched process: output, timeout, stop escalation, and the outcome of SPEC 6.2. */
class ProcessRun implements RunningProgram {
  readonly updates = new UpdateQueue();
  private readonly signals: string[] = [];
  private timedOut: BoundTimeout | null = null;
  private stopping = false;
  private readonly abort = new AbortController();
  private handle: ProcessHandle | null = null;

  constructor(
    private readonly program: ProcessProgram,
    private readonly ctx: ProgramContext,
  ) {}

  /** Launches the process and follows it. */
  async launch(target: ProcessTarget): Promise<void> {
    const { startAt } = this.ctx;
    const delay =
      startAt === undefined ? 0 : Math.min(Math.max(startAt - this.ctx.clock.now(), 0), MAX_DELAY_MS);
    const result = await target.launch(argvOf(this.program), delay);
    if (!result.ok) {
      this.updates.push({ kind: 'error', message: result.error, meta: {} });
      return;
    }
    this.attach(result.handle);
    this.updates.push({ kind: 'running', runState: { ...result.handle.runState }, meta: result.handle.meta });
    await this.followOutput(0);
  }

  /** Follows a process started before an engine restart; `stopDeadline` when it was being stopped. */
  async reconnect(handle: ProcessHandle, outputOffset: number, stopDeadline: number | null): Promise<void> {
    this.attach(handle);
    if (stopDeadline !== null) {
      this.stopping = true;
      this.signals.push(this.program.stop.signal);
      this.escalateAt(stopDeadline);
    }
    await this.followOutput(outputOffset);
  }

  stop(deadline: number): void {
    if (this.stopping || this.handle === null) return;
    this.stopping = true;
    this.send(this.program.stop.signal);
    this.escalateAt(deadline);
  }

  signal(sig: string): boolean {
    return this.handle !== null && this.handle.signal(sig);
  }

  detach(): void {
    this.detached = true;
    this.abort.abort(new Error('detached'));
  }

  finished(): void {
    this.handle?.finished?.();
  }

  private detached = false;

  private attach(handle: ProcessHandle): void {
    this.handle = handle;
    const timeout = this.program.timeout;
    if (timeout !== undefined) {
      const due = Date.parse(handle.start) + timeout.duration * 1000;
      this.ctx.clock.sleepUntil(due, this.abort.signal).then(
        () => {
          this.timedOut = timeout;
          this.send(timeout.signal);
          this.escalateAt(this.ctx.clock.now() + this.program.stop.grace_period * 1000);
        },
        () => {},
      );
    }
  }

  private send(sig: string): void {
    if (this.handle === null) return;
    this.ctx.log(`sending ${sig}`);
    this.signals.push(sig);
    this.handle.signal(sig);
  }

  private escalateAt(deadline: number): void {
    this.ctx.clock.sleepUntil(deadline, this.abort.signal).then(
      async () => {
        const handle = this.handle;
        if (handle === null || !(await handle.alive()) || this.abort.signal.aborted) return;
        this.ctx.log(`sending SIGKILL after grace period of ${this.program.stop.grace_period} s`);
        this.signals.push('SIGKILL');
        handle.signal('SIGKILL');
      },
      () => {},
    );
  }

  private async followOutput(offset: number): Promise<void> {
    const handle = this.handle;
    if (handle === null) return;
    try {
      for await (const event of handle.follow(offset, this.abort.signal)) {
        if (this.detached) return;
        if (event.type === 'output') this.updates.push({ kind: 'output', data: event.data });
        else this.finish(event.result);
      }
    } catch (e) {
      this.updates.push({
        kind: 'error',
        message: `lost the process: ${(e as Error).message}`,
        meta: handle.meta,
      });
    } finally {
      this.abort.abort(new Error('finished'));
    }
  }

  private finish(result: ExitResult): void {
    const meta: Meta = {
      ...(this.handle?.meta ?? {}),
      return_code: result.exit_code,
      signal: result.signal,
      rusage: result.rusage,
      end_time: result.end_time,
    };
    if (this.signals.length > 0) meta['stop'] = { signals: [...this.signals] };
    if (this.timedOut !== null)
      meta['timeout'] = { duration: this.timedOut.duration, signal: this.timedOut.signal };
    if (result.error !== null) {
      this.updates.push({ kind: 'error', message: result.error, meta });
      return;
    }
    if (result.exit_code === 0) {
      this.updates.push({ kind: 'success', meta });
      return;
    }
    if (this.stopping && this.timedOut === null && result.signal === this.program.stop.signal) {
      this.updates.push({ kind: 'success', meta });
      return;
    }
    const how =
      result.signal !== null ? `killed by ${result.signal}` : `exit code ${String(result.exit_code)}`;
    const suffix = this.timedOut !== null ? ` (timeout after ${this.timedOut.duration} s)` : '';
    this.updates.push({ kind: 'failure', message: `program failed: ${how}${suffix}`, meta });
  }
}

export const processRuntime: ProgramRuntime = {
  start(program, ctx) {
    const run = new ProcessRun(program as ProcessProgram, ctx);
    void run.launch(targetOf(program as ProcessProgram, ctx));
    return run;
  },
  connect(program, runState, _times, ctx, stopping) {
    const run = new ProcessRun(program as ProcessProgram, ctx);
    // A run_state naming a host is a remote process, whatever the job says now.
    const remote = runState !== null && typeof runState['host'] === 'string';
    const handle = !remote
      ? localTarget(ctx).attach(runState)
      : ctx.remote === undefined
        ? 'program lost: this engine has no remote hosts'
        : ctx.remote.attach(runState, ctx);
    if (typeof handle === 'string') {
      run.updates.push({ kind: 'error', message: handle, meta: {} });
      return run;
    }
    // The spool holds everything the process wrote: read it from the start to rebuild the output.
    void run.reconnect(handle, 0, stopping?.deadline ?? null);
    return run;
  },
};
