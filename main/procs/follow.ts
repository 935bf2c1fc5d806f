/** Following a supervised process: its output as it is written, then its result (SPEC 6.2, 12.3). */
import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode, supervisorAlive, type ExitResult, type RunState } from './local-process.js';
import { lostResult, readResult } from './result-file.js';

/** What following yields: new output bytes, then exactly one exit as the last event. */
export type FollowEvent = { type: 'output'; data: Buffer } | { type: 'exit'; result: ExitResult };

/** Largest output chunk: a flooding process costs the follower at most this much at a time. */
export const CHUNK_BYTES = 64 * 1024;
/** Longest wait between looks at the files when no change notice arrives (fs.watch may miss some). */
const POLL_MS = 200;
/** Idle polls between checks that the supervisor still lives (about once a second). */
const LIVENESS_POLLS = 5;

/**
 * Output of the process from byte `fromOffset` of its spool, in chunks of at most CHUNK_BYTES, as it
 * is written, ending with its result. Works right after launch and from a persisted RunState after an
 * engine restart. Chunks are read only when the consumer asks, so the consumer sets the memory bound.
 * When neither the result nor the supervisor exists, it ends with the error `program lost`.
 */
export async function* follow(
  runState: RunState,
  fromOffset = 0,
  /** Ends the following (an engine shutting down leaves the process to its supervisor, SPEC 12.4). */
  signal?: AbortSignal,
): AsyncGenerator<FollowEvent, void, undefined> {
  const changes = new ChangeNotices(dirname(runState.spool), signal);
  const spool = new SpoolReader(runState.spool, fromOffset);
  try {
    for (let idle = 1; signal?.aborted !== true; idle++) {
      for await (const data of spool.readToEnd()) {
        idle = 0;
        yield { type: 'output', data };
      }
      let result = await readResult(runState.result);
      if (result === null && idle % LIVENESS_POLLS === 0 && !supervisorAlive(runState)) {
        // The supervisor may have renamed its result into place just before exiting.
        result = (await readResult(runState.result)) ?? lostResult('program lost');
      }
      if (result !== null) {
        // The process has ended, but a background child of it may have written since the last read.
        for await (const data of spool.readToEnd()) yield { type: 'output', data };
        yield { type: 'exit', result };
        return;
      }
      await changes.next(POLL_MS);
    }
  } finally {
    changes.close();
    await spool.close();
  }
}

/** Reads a growing file from an offset in bounded chunks. */
class SpoolReader {
  #file: FileHandle | null = null;
  #offset: number;
  readonly #path: string;
  readonly #scratch = Buffer.allocUnsafe(CHUNK_BYTES);

  constructor(path: string, offset: number) {
    this.#path = path;
    this.#offset = offset;
  }

  /** The bytes written since the last call, chunk by chunk. */
  async *readToEnd(): AsyncGenerator<Buffer, void, undefined> {
    const file = await this.#open();
    if (file === null) return;
    for (;;) {
      const { bytesRead } = await file.read(this.#scratch, 0, CHUNK_BYTES, this.#offset);
      if (bytesRead === 0) return;
      this.#offset += bytesRead;
      // A copy, so the consumer may keep it while the scratch buffer is reused.
      yield Buffer.from(this.#scratch.subarray(0, bytesRead));
    }
  }

  async close(): Promise<void> {
    await this.#file?.close();
    this.#file = null;
  }

  async #open(): Promise<FileHandle | null> {
    if (this.#file !== null) return this.#file;
    try {
      this.#file = await open(this.#path, 'r');
    } catch (e) {
      // The supervisor creates the spool before the job starts; missing means removed by someone else.
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    return this.#file;
  }
}

/** Change notices for a directory (fs.watch), with a timeout as the fallback when none come. */
class ChangeNotices {
  #watcher: FSWatcher | null = null;
  #changed = false;
  #wake: (() => void) | null = null;

  constructor(
    dir: string,
    private readonly signal?: AbortSignal,
  ) {
    try {
      this.#watcher = watch(dir, { persistent: false }, () => this.#notice());
      this.#watcher.on('error', () => this.close());
    } catch {
      // No watch possible (directory gone, watch limit reached): polling alone still works.
    }
  }

  /** Resolves at the next change notice, at once if one came since the last call, or after `ms`. */
  next(ms: number): Promise<void> {
    if (this.#changed) {
      this.#changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // A timer rather than the engine's Clock: this polls real files, and a fake clock must not stall it.
      const done = (): void => {
        clearTimeout(timer);
        this.signal?.removeEventListener('abort', done);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.signal?.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = null;
  }

  #notice(): void {
    if (this.#wake === null) this.#changed = true;
    else this.#wake();
  }
}
