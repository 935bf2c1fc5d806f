/** The engine's types that other modules name: its dependencies, options of its commands, its events and counters. */
import type { RunSummary } from '../../shared/model/run.js';
import type { MoveCause, RunState } from '../../shared/model/states.js';
import type { ProgramRuntime } from '../programs/runtime/types.js';
import type { Env } from '../procs/base-env.js';
import type { Launcher } from '../procs/launcher.js';
import type { RemoteHosts } from '../remote/hosts.js';
import type { RunStore } from '../store/run-store.js';
import type { Clock } from './clock.js';
import type { Run } from './run.js';
import type { Settings } from './settings.js';

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
