/** Checks of Apsis's `run_history` and `output` rows, which are copied as they are (SPEC 11.5, 11.6). */
import { outputBytes } from '../store/output-codec.js';
import { describe } from './fields.js';

export interface LogLine {
  runId: string;
  /** Epoch seconds. */
  timestamp: number;
  message: string;
}

/** A `run_history` row (run_id, timestamp, message), or the problem with it. */
export function checkLogLine([runId, timestamp, message]: readonly unknown[]): LogLine | string {
  if (typeof runId !== 'string') return `a line with run_id ${describe(runId)}`;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
    return `${runId}: a line with timestamp ${describe(timestamp)}`;
  if (typeof message !== 'string') return `${runId}: a line with message ${describe(message)}`;
  return { runId, timestamp, message };
}

export interface OutputRow {
  runId: string;
  outputId: string;
  name: string;
  contentType: string;
  /** Uncompressed length, as Apsis recorded it. */
  length: number;
  compression: string | null;
  /** As stored: compressed when `compression` says so. */
  data: Buffer;
}

/** Compressions our readers take (output-codec.ts); Apsis writes `br` and may have written the others. */
const COMPRESSIONS = new Set(['br', 'gzip', 'deflate']);

/**
 * An `output` row (run_id, output_id, name, content_type, length, compression, data) to import as stored, with
 * the defect found when its data does not read back to `length` bytes; or the problem that keeps it out.
 */
export function checkOutput(row: readonly unknown[]): { output: OutputRow; defect: string | null } | string {
  const [runId, outputId, name, contentType, length, compression, data] = row;
  if (typeof runId !== 'string') return `an output with run_id ${describe(runId)}`;
  const id = `${runId}/${String(outputId)}`;
  if (typeof outputId !== 'string' || outputId === '') return `${id}: output_id is ${describe(outputId)}`;
  if (typeof name !== 'string') return `${id}: name is ${describe(name)}`;
  if (typeof contentType !== 'string') return `${id}: content_type is ${describe(contentType)}`;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)
    return `${id}: length is ${describe(length)}`;
  if (compression !== null && (typeof compression !== 'string' || !COMPRESSIONS.has(compression)))
    return `${id}: compression ${describe(compression)} is not one Apsis Console reads (br, gzip, deflate)`;
  // Apsis stores bytes; text in the column (an old writer) is taken as its UTF-8 bytes.
  const bytes = Buffer.isBuffer(data) ? data : typeof data === 'string' ? Buffer.from(data) : null;
  if (bytes === null) return `${id}: data is ${describe(data)}`;
  const output: OutputRow = { runId, outputId, name, contentType, length, compression, data: bytes };
  return { output, defect: defectOf(output) };
}

/** Why the data does not read back to `length` bytes, or null when it does. */
function defectOf(o: OutputRow): string | null {
  if (o.compression === null)
    return o.data.length === o.length ? null : `length says ${o.length} bytes, data holds ${o.data.length}`;
  let read: number;
  try {
    read = outputBytes(o).length;
  } catch (e) {
    return `data does not decompress as ${o.compression} (${(e as Error).message})`;
  }
  return read === o.length ? null : `length says ${o.length} bytes, data decompresses to ${read}`;
}
