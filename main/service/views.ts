/**
 * What the outside may see of the engine's state (SPEC 13.3: nothing unrecorded is ever shown). Normally every answer
 * waits for the commit of what it reports; while the database cannot be written that wait would last the whole
 * outage, so answers go at once and show each run as last committed (a run never committed not at all).
 */
import type { App } from '../engine/app.js';
import { fromRecord, type Run } from '../engine/run.js';
import { outputBytes, type StoredOutput } from '../store/output-codec.js';

/** `run` as the outside may see it now, or undefined when it was never committed and writes fail. */
export function visibleRun(app: App, run: Run): Run | undefined {
  const store = app.store;
  if (store.writeFailure === null || !store.isPendingRun(run.runId)) return run;
  const committed = store.committedRun(run.runId);
  return committed === undefined ? undefined : fromRecord(committed);
}

/** An output as served: its content type, the bytes as stored (maybe compressed) and the plain bytes. */
export interface OutputData {
  contentType: string;
  compression: string | null;
  /** The bytes as stored (compressed when `compression` is set). */
  data: Buffer;
  /** The plain bytes. */
  bytes: Buffer;
}

const LIVE_TYPE = 'application/octet-stream';

/** The run's output: live while it is being written, else as stored; undefined when it has none. */
export function outputData(app: App, runId: string): OutputData | undefined {
  const live = app.engine.liveOutput(runId);
  if (live !== undefined) {
    const bytes = live.bytes();
    return { contentType: live.contentType, compression: null, data: bytes, bytes };
  }
  return storedOutput(app, runId);
}

/** The run's stored output, decompressed on first use of `bytes`. */
export function storedOutput(app: App, runId: string): OutputData | undefined {
  const stored: StoredOutput | undefined = app.store.readOutput(runId, 'output');
  if (stored === undefined) return undefined;
  let plain: Buffer | undefined;
  return {
    contentType: stored.content_type,
    compression: stored.compression,
    data: stored.data,
    get bytes() {
      return (plain ??= outputBytes(stored));
    },
  };
}

export const OUTPUT_INFO = { name: 'combined stdout & stderr', content_type: LIVE_TYPE };

/** Metadata of the run's outputs by output ID (SPEC 16.2 `outputs`). */
export function outputsOf(
  app: App,
  runId: string,
): Record<string, { name: string; length: number; content_type: string }> {
  const live = app.engine.liveOutput(runId);
  if (live !== undefined) return { output: { ...OUTPUT_INFO, length: live.length } };
  const out: Record<string, { name: string; length: number; content_type: string }> = {};
  for (const o of app.store.listOutputs(runId))
    out[o.output_id] = { name: o.name, length: o.length, content_type: o.content_type };
  return out;
}
