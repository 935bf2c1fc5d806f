/**
 * StatsProgram (SPEC 6.4): its output is the stats object as one compact JSON document; with `path` it also
 * appends that JSON and a newline to the file, which it creates but whose directory it never creates.
 */
import { appendFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Stats } from '../../../shared/stats/schema.js';
import type { BoundProgram } from '../bind.js';
import type { STATS_TYPE } from '../spec.js';
import { UpdateQueue, type ProgramContext, type ProgramRuntime, type ProgramUpdate } from './types.js';

type StatsProgram = Extract<BoundProgram, { type: typeof STATS_TYPE }>;

/** The message of a run whose `path` has no parent directory (SPEC 6.4). */
export function missingDirectoryMessage(dir: string): string {
  return `stats: directory ${dir} does not exist (create it or change path)`;
}

/** Appends `line` to `path` (relative paths resolve against the job folder); an error message or null. */
async function appendLine(path: string, line: string, cwd: string): Promise<string | null> {
  const file = resolve(cwd, path);
  const dir = dirname(file);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return missingDirectoryMessage(dir);
    return `stats: cannot use directory ${dir}: ${(e as Error).message}`;
  }
  if (!isDirectory) return `stats: ${dir} is not a directory (change path)`;
  try {
    await appendFile(file, line);
    return null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC')
      return `stats: cannot write ${file}: its disk is full (ENOSPC); free space on it or change path`;
    return `stats: cannot write ${file}: ${(e as Error).message}`;
  }
}

/** The update stream of one run; runs lazily as the engine consumes it, so the stats see the run as running. */
async function* statsUpdates(
  program: StatsProgram,
  ctx: ProgramContext,
  collect: () => Stats,
  detached: () => boolean,
): AsyncGenerator<ProgramUpdate> {
  yield { kind: 'running', runState: null, meta: {} };
  const json = JSON.stringify(collect());
  if (program.path !== null) {
    const problem = await appendLine(program.path, `${json}\n`, ctx.cwd);
    if (detached()) return;
    if (problem !== null) {
      yield { kind: 'error', message: problem, meta: {} };
      return;
    }
  }
  yield { kind: 'output', data: Buffer.from(json), contentType: 'application/json' };
  yield { kind: 'success', meta: {} };
}

/** The StatsProgram runtime; `collect` makes the current stats object (engineStats of the app). */
export function statsRuntime(collect: () => Stats): ProgramRuntime {
  return {
    start(program, ctx) {
      let detached = false;
      return {
        updates: statsUpdates(program as StatsProgram, ctx, collect, () => detached),
        // One unit of work that ends at once: a stop lets it finish (SPEC 6.3).
        stop: () => {},
        signal: () => false,
        detach: () => {
          detached = true;
        },
      };
    },
    connect() {
      // The work of an interrupted run is lost with the old engine (SPEC 12.3).
      const queue = new UpdateQueue();
      queue.push({ kind: 'error', message: 'interrupted by shutdown', meta: {} });
      return { updates: queue, stop: () => {}, signal: () => false, detach: () => {} };
    },
  };
}
