/** Following a supervised process: its output as it is written, then its result (SPEC 6.2, 12.3). */
import { closeSync, constants, openSync, readSync, watch, type FSWatcher } from 'node:fs';
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
/** Chunks read in a row before the event loop gets a turn (1 MiB). */
const STREAK_CHUNKS = 16;

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
      for await (const event of drain(spool)) {
        idle = 0;
        yield event;
      }
      let result = readResult(runState.result);
      if (result === null && idle % LIVENESS_POLLS === 0 && !supervisorAlive(runState)) {
        // The supervisor may have renamed its result into place just before exiting.
        result = readResult(runState.result) ?? lostResult('program lost');
      }
      if (result !== null) {
        // The process has ended, but a background child of it may have written since the last read.
        yield* drain(spool);
        yield { type: 'exit', result };
        return;
      }
      await changes.next(POLL_MS);
    }
  } finally {
    changes.close();
    spool.close();
  }
}

/** The spool's bytes written since the last read, chunk by chunk. */
async function* drain(spool: SpoolReader): AsyncGenerator<FollowEvent, void, undefined> {
  for (let data = spool.read(), n = 1; data !== null; data = spool.read(), n++) {
    yield { type: 'output', data };
    // Reads are synchronous: a flood gives other work a turn of the event loop after every MiB.
    if (n % STREAK_CHUNKS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Opens a file of the run folder for reading, or null when it does not exist. These files are small or read in
 * bounded chunks from the page cache, so they are read synchronously, like the database beside them: a launch
 * burst makes thousands of these reads, and each asynchronous one costs a thread-pool round trip and several
 * promises. O_NONBLOCK: a FIFO put in the file's place cannot block the engine (it reads as empty).
 */
export function openRunFile(path: string): number | null {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw e;
  }
}

/** Where every spool is read into before its bytes are copied out: reads are synchronous, so one is enough. */
const scratch = Buffer.allocUnsafe(CHUNK_BYTES);

/** Reads a growing file from an offset in bounded chunks. */
class SpoolReader {
  #fd: number | null = null;
  #offset: number;
  readonly #path: string;

  constructor(path: string, offset: number) {
    this.#path = path;
    this.#offset = offset;
  }

  /** The next chunk written since the last call, or null when there is none (yet). */
  read(): Buffer | null {
    // The supervisor creates the spool before the job starts; missing means removed by someone else.
    this.#fd ??= openRunFile(this.#path);
    if (this.#fd === null) return null;
    let bytesRead: number;
    try {
      bytesRead = readSync(this.#fd, scratch, 0, CHUNK_BYTES, this.#offset);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EAGAIN' || code === 'ESPIPE') return null; // not a regular file: nothing to read from it
      throw e;
    }
    if (bytesRead === 0) return null;
    this.#offset += bytesRead;
    // A copy, so the consumer may keep it while the scratch buffer is reused.
    return Buffer.from(scratch.subarray(0, bytesRead));
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}

/** Change notices for a directory (fs.watch), with a timeout as the fallback when none come. */
class ChangeNotices {
  #watcher: FSWatcher | null = null;
  #changed = false;
  #wake: (() => void) | null = null;
  readonly #onAbort = (): void => this.#wake?.();

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
    // Listened to once for the whole following, not at every wait: abort listeners are costly to add and remove.
    this.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Resolves at the next change notice, at once if one came since the last call, or after `ms`. */
  next(ms: number): Promise<void> {
    if (this.#changed || this.signal?.aborted === true) {
      this.#changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // A timer rather than the engine's Clock: this polls real files, and a fake clock must not stall it.
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = null;
    this.signal?.removeEventListener('abort', this.#onAbort);
    this.#wake?.();
  }

  #notice(): void {
    if (this.#wake === null) this.#changed = true;
    else this.#wake();
  }
}
