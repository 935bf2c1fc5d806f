/** What a program does once bound to a run (SPEC 6.5): an update stream, stop and signal. */
import type { Clock } from '../../engine/clock.js';
import type { FollowEvent } from '../../procs/follow.js';
import type { Env } from '../../procs/base-env.js';
import type { Launcher } from '../../procs/launcher.js';
import type { BoundProcessProgram, BoundProgram } from '../bind.js';

export type Meta = Record<string, unknown>;

/**
 * Updates of a running program: exactly one `running` or `error` first; then any number of `output` and
 * `meta`; then exactly one `success`, `failure` or `error`.
 */
export type ProgramUpdate =
  | { kind: 'running'; runState: Record<string, unknown> | null; meta: Meta }
  /** `contentType` sets the stored output's content type (default `application/octet-stream`). */
  | { kind: 'output'; data: Buffer; contentType?: string }
  | { kind: 'meta'; meta: Meta }
  | { kind: 'success'; meta: Meta }
  | { kind: 'failure'; message: string; meta: Meta }
  | { kind: 'error'; message: string; meta: Meta };

export interface RunningProgram {
  readonly updates: AsyncIterable<ProgramUpdate>;
  /**
   * Starts the stop routine (SPEC 6.3); the outcome arrives on the update stream. `deadline` (epoch ms) is
   * when SIGKILL follows if the program still lives; it is stored in the run's run_state for restarts.
   */
  stop(deadline: number): void;
  /** Sends a signal; false when the program is not a process or is gone. */
  signal(sig: string): boolean;
  /** Stops following without touching the program (engine shutdown, SPEC 12.4). */
  detach(): void;
  /** Called once the program's end is committed: files kept for a restart may go (a remote run folder). */
  finished?(): void;
}

/** A started process, wherever it runs: what the process runtime follows, signals and records. */
export interface ProcessHandle {
  /** What the run stores as `run_state` to find the process again after a restart. */
  readonly runState: Record<string, unknown>;
  /** Start meta (`meta.program`): pid, hostname, username, start_time; host for a remote process. */
  readonly meta: Meta;
  /** ISO time the process started. */
  readonly start: string;
  /** Its output from byte `offset` as it is written, then exactly one exit; `signal` ends the following early. */
  follow(offset: number, signal: AbortSignal): AsyncIterable<FollowEvent>;
  /** Sends a signal to its process group; false when it is gone. */
  signal(sig: string): boolean;
  /** Whether its supervisor or process group still lives (true when that cannot be known now). */
  alive(): Promise<boolean>;
  /** Its end is committed. */
  finished?(): void;
}

/** Where processes start: this host, or a remote one (SPEC 24). */
export interface ProcessTarget {
  /** Starts `argv`, exec'ing it `delay` ms from now; the handle, or why it could not start. */
  launch(
    argv: string[],
    delay: number,
  ): Promise<{ ok: true; handle: ProcessHandle } | { ok: false; error: string }>;
  /** The handle of a process from its run_state, or why there is none. */
  attach(runState: Record<string, unknown> | null): ProcessHandle | string;
}

/** Remote hosts as the process runtime uses them (main/remote/hosts.ts). */
export interface RemoteProcesses {
  /** The host or host group `program` runs on; null for this host. */
  hostOf(program: BoundProcessProgram): string | null;
  /** Processes on `host` (a host or group name, chosen among when launching). */
  target(host: string, ctx: ProgramContext): ProcessTarget;
  /** The handle of a remote process from its run_state, or why there is none. */
  attach(runState: Record<string, unknown>, ctx: ProgramContext): ProcessHandle | string;
}

/** What programs may use from the engine. */
export interface ProgramContext {
  clock: Clock;
  runId: string;
  jobId: string;
  /** Working directory of processes: the job folder (SPEC 6.2). */
  cwd: string;
  /** Folder for this run's spool and result files. */
  runDir: string;
  launcher: Launcher;
  /** Remote hosts (SPEC 24); absent in an engine without them. */
  remote?: RemoteProcesses;
  /** The environment processes start from (SPEC 6.2): the engine's, or the desktop app's without its additions. */
  baseEnv: Env;
  /** Notes for the run log (`sending SIGTERM`). */
  log(message: string): void;
  /**
   * Clock time at which the program is to begin, when its launch was begun ahead of it; a process is made ready
   * and execs then. Absent: at once.
   */
  startAt?: number;
}

/** How a run in `stopping` was left, for reconnecting after a restart (SPEC 12.3). */
export interface StoppingState {
  /** Epoch ms when SIGKILL is due. */
  deadline: number;
}

export interface ProgramRuntime {
  start(program: BoundProgram, ctx: ProgramContext): RunningProgram;
  /** Follows a program that was running when the engine stopped; `times` are the run's state times. */
  connect(
    program: BoundProgram,
    runState: Record<string, unknown> | null,
    times: Record<string, number>,
    ctx: ProgramContext,
    stopping: StoppingState | null,
  ): RunningProgram;
}

/** True for the updates that end a program. */
export function isTerminal(u: ProgramUpdate): boolean {
  return u.kind === 'success' || u.kind === 'failure' || u.kind === 'error';
}

/** An async queue that a program pushes updates into and the engine iterates; ends after a terminal update. */
export class UpdateQueue implements AsyncIterable<ProgramUpdate> {
  private readonly items: ProgramUpdate[] = [];
  private wake: (() => void) | null = null;
  private ended = false;

  push(u: ProgramUpdate): void {
    if (this.ended) return;
    this.items.push(u);
    if (isTerminal(u)) this.ended = true;
    this.wake?.();
    this.wake = null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ProgramUpdate> {
    for (;;) {
      const u = this.items.shift();
      if (u === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      yield u;
      if (isTerminal(u)) return;
    }
  }
}
