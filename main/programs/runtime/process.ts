/** `shell` and `program` (SPEC 6.2, 6.3): a local process under a supervisor, with timeout and stop escalation. */
import { hostname, userInfo } from 'node:os';
import { follow } from '../../procs/follow.js';
import { isAlive, signal as signalGroup, type ExitResult, type RunState } from '../../procs/local-process.js';
import type { BoundProcessProgram as ProcessProgram, BoundTimeout } from '../bind.js';
import {
  UpdateQueue,
  type Meta,
  type ProgramContext,
  type ProgramRuntime,
  type RunningProgram,
} from './types.js';

function argvOf(p: ProcessProgram): string[] {
  const argv = 'command' in p ? ['/bin/bash', '-c', p.command] : p.argv;
  if (p.user === undefined) return argv;
  return ['sudo', '--non-interactive', '--preserve-env', '--set-home', '--user', p.user, '--', ...argv];
}

/** Longest a made-ready process waits for its start time (the engine begins launches 50 ms ahead). */
const MAX_DELAY_MS = 1000;

/** The engine's own secrets, never passed on to jobs (which may run as other users, and print their environment). */
const WITHHELD = new Set(['APSIS_TOKEN']);

function env(ctx: ProgramContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.baseEnv)) if (v !== undefined && !WITHHELD.has(k)) out[k] = v;
  out['APSIS_RUN_ID'] = ctx.runId;
  out['APSIS_JOB_ID'] = ctx.jobId;
  return out;
}

function isRunState(v: unknown): v is RunState {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return typeof r['pgid'] === 'number' && typeof r['spool'] === 'string' && typeof r['result'] === 'string';
}

/** Follows a launched process: output, timeout, stop escalation, and the outcome of SPEC 6.2. */
class ProcessRun implements RunningProgram {
  readonly updates = new UpdateQueue();
  private readonly signals: string[] = [];
  private timedOut: BoundTimeout | null = null;
  private stopping = false;
  private readonly abort = new AbortController();
  private state: RunState | null = null;
  private baseMeta: Meta = {};

  constructor(
    private readonly program: ProcessProgram,
    private readonly ctx: ProgramContext,
  ) {}

  /** Launches the process and follows it. */
  async launch(): Promise<void> {
    const { startAt } = this.ctx;
    const delay =
      startAt === undefined ? 0 : Math.min(Math.max(startAt - this.ctx.clock.now(), 0), MAX_DELAY_MS);
    const result = await this.ctx.launcher.launch({
      argv: argvOf(this.program),
      env: env(this.ctx),
      cwd: this.ctx.cwd,
      runDir: this.ctx.runDir,
      ...(delay > 0 ? { delay } : {}),
    });
    if (!result.ok) {
      this.updates.push({ kind: 'error', message: result.error, meta: {} });
      return;
    }
    this.attach(result.runState);
    this.updates.push({ kind: 'running', runState: { ...result.runState }, meta: this.baseMeta });
    await this.followOutput(0);
  }

  /** Follows a process started before an engine restart; `stopDeadline` when it was being stopped. */
  async reconnect(runState: RunState, outputOffset: number, stopDeadline: number | null): Promise<void> {
    this.attach(runState);
    if (stopDeadline !== null) {
      this.stopping = true;
      this.signals.push(this.program.stop.signal);
      this.escalateAt(stopDeadline);
    }
    await this.followOutput(outputOffset);
  }

  stop(deadline: number): void {
    if (this.stopping || this.state === null) return;
    this.stopping = true;
    this.send(this.program.stop.signal);
    this.escalateAt(deadline);
  }

  signal(sig: string): boolean {
    return this.state !== null && signalGroup(this.state, sig);
  }

  detach(): void {
    this.detached = true;
    this.abort.abort(new Error('detached'));
  }

  private detached = false;

  private attach(state: RunState): void {
    this.state = state;
    this.baseMeta = {
      pid: state.pid,
      hostname: hostname(),
      username: userInfo().username,
      start_time: state.start,
    };
    const timeout = this.program.timeout;
    if (timeout !== undefined) {
      const due = Date.parse(state.start) + timeout.duration * 1000;
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
    if (this.state === null) return;
    this.ctx.log(`sending ${sig}`);
    this.signals.push(sig);
    signalGroup(this.state, sig);
  }

  private escalateAt(deadline: number): void {
    this.ctx.clock.sleepUntil(deadline, this.abort.signal).then(
      () => {
        if (this.state === null || !isAlive(this.state)) return;
        this.ctx.log(`sending SIGKILL after grace period of ${this.program.stop.grace_period} s`);
        this.signals.push('SIGKILL');
        signalGroup(this.state, 'SIGKILL');
      },
      () => {},
    );
  }

  private async followOutput(offset: number): Promise<void> {
    if (this.state === null) return;
    try {
      for await (const event of follow(this.state, offset, this.abort.signal)) {
        if (this.detached) return;
        if (event.type === 'output') this.updates.push({ kind: 'output', data: event.data });
        else this.finish(event.result);
      }
    } catch (e) {
      this.updates.push({
        kind: 'error',
        message: `lost the process: ${(e as Error).message}`,
        meta: this.baseMeta,
      });
    } finally {
      this.abort.abort(new Error('finished'));
    }
  }

  private finish(result: ExitResult): void {
    const meta: Meta = {
      ...this.baseMeta,
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
    void run.launch();
    return run;
  },
  connect(program, runState, _times, ctx, stopping) {
    const run = new ProcessRun(program as ProcessProgram, ctx);
    if (!isRunState(runState)) {
      run.updates.push({
        kind: 'error',
        message: 'program lost: no process information was recorded',
        meta: {},
      });
      return run;
    }
    // The spool holds everything the process wrote: read it from the start to rebuild the output.
    void run.reconnect(runState, 0, stopping?.deadline ?? null);
    return run;
  },
};
