/** Local processes (SPEC 6.2): what the engine gives, keeps and gets back for a supervised job process. */
import { existsSync, readFileSync, rm, rmdir, unlink } from 'node:fs';
import { join } from 'node:path';
import { normalizeSignal } from '../programs/signals.js';

/** What to run. `env` is complete (the engine's environment plus APSIS_RUN_ID and APSIS_JOB_ID). */
export interface ProcessSpec {
  /** Program and arguments, no shell; a shell program is `['/bin/bash', '-c', command]`. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Directory for this run's spool and result files; created when missing. */
  runDir: string;
  /**
   * Milliseconds from now until the process is to exec: its supervisor and process are made ready at once and wait
   * (a launch begun ahead of the schedule time). Absent or 0: exec at once.
   */
  delay?: number;
}

/** The run's `run_state` (SPEC 6.2): enough to find the process again after an engine restart. */
export interface RunState {
  pid: number;
  pgid: number;
  supervisor_pid: number;
  /** Combined stdout and stderr. */
  spool: string;
  /** Written by the supervisor when the process has ended. */
  result: string;
  /** ISO time the process started. */
  start: string;
}

/** Resource usage of the process and the descendants it waited for; null where unknowable. */
export interface Rusage {
  /** User CPU seconds. */
  utime: number | null;
  /** System CPU seconds. */
  stime: number | null;
  /** Peak resident set, bytes. */
  maxrss: number | null;
}

/** How a process ended, as its supervisor recorded it. */
export interface ExitResult {
  /** Null when killed by a signal, or when it never ran. */
  exit_code: number | null;
  /** Signal name (`SIGTERM`) when killed by one, else null. */
  signal: string | null;
  rusage: Rusage | null;
  /** ISO time; null when nobody saw the end (a lost program). */
  end_time: string | null;
  /** Set when the program could not start (`no such file: X`) or was lost; the run is then an error. */
  error: string | null;
}

/** Outcome of a launch: a started process, or why none started. */
export type LaunchResult = { ok: true; runState: RunState } | { ok: false; error: string };

/** Paths of a run's spool and result files in `runDir`. */
export function runFiles(runDir: string): { spool: string; result: string } {
  return { spool: join(runDir, 'output'), result: join(runDir, 'result.json') };
}

/**
 * Removes a finished run's folder, in the background. Its two files and the folder itself are removed by name
 * (three system calls, where a recursive removal costs about eight); anything else in it (a result.tmp left by a
 * supervisor that died while writing) falls back to the recursive removal.
 */
export function removeRunDir(runDir: string): void {
  const { spool, result } = runFiles(runDir);
  let left = 2;
  const fallback = (): void => rm(runDir, { recursive: true, force: true }, () => {});
  const removed = (): void => {
    if (--left === 0) rmdir(runDir, (e) => (e === null ? undefined : fallback()));
  };
  unlink(spool, removed);
  unlink(result, removed);
}

/**
 * Sends `sig` (`SIGTERM`, `TERM` or `15`) to the process's whole group, so children of `bash -c` get it
 * too; false when no such group exists. Throws on an unknown signal name: callers validate input first.
 */
export function signal(runState: RunState, sig: string): boolean {
  const name = normalizeSignal(sig);
  if (name === null) throw new RangeError(`unknown signal ${sig}`);
  try {
    process.kill(-runState.pgid, name);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ESRCH') return false;
    throw e;
  }
}

/** Whether the supervisor or any process of the group still exists (restart recovery, stop routine). */
export function isAlive(runState: RunState): boolean {
  return supervisorAlive(runState) || exists(-runState.pgid);
}

const HAS_PROCFS = existsSync('/proc/self/cmdline');

/**
 * Whether this run's supervisor still runs. On Linux its command line (`apsis-supervisor RESULT`) is
 * checked too, because after a reboot the pid may belong to someone else; elsewhere the pid must do.
 */
export function supervisorAlive(runState: RunState): boolean {
  if (!HAS_PROCFS) return exists(runState.supervisor_pid);
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${runState.supervisor_pid}/cmdline`, 'utf8').split('\0', 1)[0] ?? '';
  } catch {
    return false;
  }
  // A zombie's cmdline is empty: it has ended. Perl may cut a long $0 to fit its argv area, hence the prefix test.
  return cmdline.startsWith('apsis-supervisor ') && `apsis-supervisor ${runState.result}`.startsWith(cmdline);
}

/** Whether `pid` (or a group, when negative) exists; a process of another user counts. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

/** The `code` of a Node system error, if any. */
export function errnoCode(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}
