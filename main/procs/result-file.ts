/** Reading the supervisor's result file (SPEC 6.2). */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { errnoCode, type ExitResult, type Rusage } from './local-process.js';

/** A result file is one line of JSON well under this; anything longer is not one. */
const MAX_RESULT_BYTES = 64 * 1024;
/** Read into, then decoded: reads are synchronous, so one buffer serves every result file. */
const scratch = Buffer.allocUnsafe(MAX_RESULT_BYTES);

/**
 * The recorded end of a process; null while the file does not exist (the process still runs). Read synchronously:
 * it is one small file, read once per wake-up of every running process (see openRunFile in follow.ts); O_NONBLOCK
 * keeps a FIFO in its place from blocking.
 */
export function readResult(path: string): ExitResult | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw e;
  }
  let text: string;
  try {
    const buffer = scratch;
    let length = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, length, buffer.length - length, null);
      } catch (e) {
        if (errnoCode(e) !== 'EAGAIN') throw e;
        n = 0;
      }
      if (n === 0) break;
      length += n;
      if (length === buffer.length) break;
    }
    text = buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
  // The supervisor renames a complete file into place, so a partial file means outside damage.
  return parseResult(text) ?? lostResult(`unreadable result file ${path}`);
}

/** A result for a process whose end nobody recorded (SPEC 12.3 `program lost`). */
export function lostResult(error: string): ExitResult {
  return { exit_code: null, signal: null, rusage: null, end_time: null, error };
}

/** The result in `text`, or null when it is not one. */
export function parseResult(text: string): ExitResult | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(v)) return null;
  const { exit_code, signal, rusage, end_time, error } = v;
  if (!isNullOr(exit_code, 'number') || !isNullOr(signal, 'string') || !isNullOr(error, 'string'))
    return null;
  if (!isNullOr(end_time, 'string')) return null;
  const usage = rusage === null ? null : parseRusage(rusage);
  if (usage === undefined) return null;
  return { exit_code, signal, rusage: usage, end_time, error };
}

function parseRusage(v: unknown): Rusage | undefined {
  if (!isRecord(v)) return undefined;
  const { utime, stime, maxrss } = v;
  if (!isNullOr(utime, 'number') || !isNullOr(stime, 'number') || !isNullOr(maxrss, 'number'))
    return undefined;
  return { utime, stime, maxrss };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNullOr<T extends 'number' | 'string'>(
  v: unknown,
  type: T,
): v is (T extends 'number' ? number : string) | null {
  return v === null || typeof v === type;
}
