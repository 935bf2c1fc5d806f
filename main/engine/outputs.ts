/** Outputs of unfinished runs, held in memory and followed live (SPEC 11.6, 16.3). */
import { isProcessProgram } from '../programs/bind.js';
import { removeRunDir } from '../procs/local-process.js';
import type { RunStore } from '../store/run-store.js';
import type { Publisher } from './publisher.js';
import type { Run } from './run.js';

/** Most bytes of one run's output kept; the rest is counted and noted, so a flood cannot exhaust memory. */
export const OUTPUT_CAP = 16 * 1024 * 1024;

export class OutputBuffer {
  private chunks: Buffer[] = [];
  /** Bytes kept. */
  length = 0;
  /** Bytes dropped past the cap. */
  dropped = 0;
  /** Content type the output is stored with. */
  contentType = 'application/octet-stream';

  append(data: Buffer): Buffer {
    const room = OUTPUT_CAP - this.length;
    const kept = data.length <= room ? data : data.subarray(0, Math.max(0, room));
    if (kept.length > 0) {
      this.chunks.push(kept);
      this.length += kept.length;
    }
    this.dropped += data.length - kept.length;
    return kept;
  }

  /** All kept bytes, plus a note when some were dropped. */
  bytes(): Buffer {
    const data = Buffer.concat(this.chunks, this.length);
    if (this.chunks.length > 1) this.chunks = [data];
    if (this.dropped === 0) return data;
    return Buffer.concat([
      data,
      Buffer.from(`\n[output truncated: ${this.dropped} more bytes were not kept]\n`),
    ]);
  }
}

/**
 * The outputs of a run's life: bytes held and published live while its program runs, written to the store once it
 * ends (or at once for an error text); with the process's spool and result files removed once that is committed.
 */
export class RunOutputs {
  readonly #live = new Map<string, OutputBuffer>();

  constructor(
    private readonly store: RunStore,
    private readonly events: Publisher,
    /** The folder of a process run's spool and result files. */
    private readonly runDir: (runId: string) => string,
  ) {}

  /** Runs whose output is held in memory now. */
  get size(): number {
    return this.#live.size;
  }

  /** The output of a run still being written, or undefined. */
  live(runId: string): OutputBuffer | undefined {
    return this.#live.get(runId);
  }

  /** Stores a whole output at once. */
  write(runId: string, data: Buffer, contentType: string): void {
    this.store.writeOutput({
      run_id: runId,
      output_id: 'output',
      name: 'combined stdout & stderr',
      content_type: contentType,
      data,
    });
  }

  /** Bytes the program wrote: kept (up to the cap) and published at once. */
  append(run: Run, data: Buffer, contentType?: string): void {
    let buffer = this.#live.get(run.runId);
    if (buffer === undefined) this.#live.set(run.runId, (buffer = new OutputBuffer()));
    if (contentType !== undefined) buffer.contentType = contentType;
    const kept = buffer.append(data);
    if (kept.length > 0) this.events.emit('output', run.runId, kept, buffer.length);
  }

  /** The run ended: its output goes to the store with the end, and its run files once that is committed. */
  finish(run: Run): void {
    // A process's spool and result files are no longer needed once its end is committed: without this every
    // output would stay on disk a second time, forever.
    if (isProcessProgram(run.program)) {
      const runDir = this.runDir(run.runId);
      this.store.afterCommit(() => removeRunDir(runDir));
    }
    const buffer = this.#live.get(run.runId);
    if (buffer === undefined) {
      // A program that ran and wrote nothing has an empty output, not a missing one.
      if (run.times['running'] !== undefined && isProcessProgram(run.program))
        this.write(run.runId, Buffer.alloc(0), 'application/octet-stream');
      return;
    }
    this.#live.delete(run.runId);
    this.write(run.runId, buffer.bytes(), buffer.contentType);
  }
}
