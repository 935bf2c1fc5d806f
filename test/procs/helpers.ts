/** Shared helpers for the local-process tests: temp run directories, specs, collecting a run's output. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { follow } from '../../main/procs/follow.js';
import type { ExitResult, ProcessSpec, RunState } from '../../main/procs/local-process.js';
import type { Launcher } from '../../main/procs/launcher.js';

/** A fresh temp directory. */
export function tempDir(prefix = 'apsis-procs-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A spec running `command` with /bin/bash -c, in a fresh run directory. */
export function shell(command: string, extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    argv: ['/bin/bash', '-c', command],
    env: { ...stringEnv(), APSIS_RUN_ID: 'r7', APSIS_JOB_ID: 'jobs/test' },
    cwd: tmpdir(),
    runDir: join(tempDir('apsis-run-'), 'run'),
    ...extra,
  };
}

/** The test process's environment without undefined values. */
export function stringEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** Launches `spec`, failing the test when it does not start. */
export async function start(launcher: Launcher, spec: ProcessSpec): Promise<RunState> {
  const launched = await launcher.launch(spec);
  if (!launched.ok) throw new Error(`launch failed: ${launched.error}`);
  return launched.runState;
}

/** All output from `fromOffset` on, and the result. */
export async function collect(
  runState: RunState,
  fromOffset = 0,
): Promise<{ output: string; result: ExitResult }> {
  const chunks: Buffer[] = [];
  for await (const event of follow(runState, fromOffset)) {
    if (event.type === 'output') chunks.push(event.data);
    else return { output: Buffer.concat(chunks).toString(), result: event.result };
  }
  throw new Error('follow ended without an exit event');
}

/** Polls `check` every 20 ms until it holds; false after `ms`. */
export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until;) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/** Whether process `pid` exists and is not a zombie (a killed orphan may wait a moment for its reaper). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
