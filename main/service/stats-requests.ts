/** The stats requests of the gate (SPEC 17.4, 17.5): history as JSON entries and as CSV, with their parameters checked. */
import { statsCsv } from '../stats/csv.js';
import { downsample } from '../stats/downsample.js';
import { paced } from '../stats/streaming.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { badRequest, clip, instantParam } from './inputs.js';

/**
 * Stats history entries with `from <= time < to` (SPEC 17.4), downsampled with `step`: JSON text of each entry, as
 * stored when not downsampled. The parameters are checked before the first chunk, so a bad request is a 400 rather
 * than a cut stream.
 */
export function historyJson(
  store: SqliteStore,
  from: string | null,
  to: string | null,
  step: string | number | null,
): AsyncGenerator<string> {
  return entries(store, readRange(from, to), stepParam(step));
}

async function* entries(
  store: SqliteStore,
  range: { from: number; to: number },
  step: number | null,
): AsyncGenerator<string> {
  const rows = paced(store.iterateStats(range.from, range.to));
  if (step === null) for await (const row of rows) yield `{"time":${row.time},"stats":${row.stats}}`;
  else for await (const entry of downsample(rows, range.from, step)) yield JSON.stringify(entry);
}

/** The stats history CSV (SPEC 17.5) in chunks; `step` is refused (CSV is never downsampled). */
export function csvChunks(
  store: SqliteStore,
  from: string | null,
  to: string | null,
  step: string | null,
): AsyncGenerator<string> {
  if (step !== null) throw badRequest('step: not supported for history.csv');
  const range = readRange(from, to);
  return statsCsv(store, range.from, range.to);
}

/** `step` of a history request: seconds greater than 0, or null. */
function stepParam(step: string | number | null): number | null {
  if (step === null || step === '') return null;
  const value = typeof step === 'number' ? step : /^\d{1,12}(\.\d{1,9})?$/.test(step) ? Number(step) : NaN;
  if (!(value > 0) || !Number.isFinite(value))
    throw badRequest(`step: '${clip(String(step))}' is not a number of seconds greater than 0`);
  return value;
}

/** `from`/`to` (ISO instants, or epoch seconds like history entries) as epoch seconds; 400 when unparsable. */
function readRange(from: string | null, to: string | null): { from: number; to: number } {
  const f = timeParam('from', from) ?? -Infinity;
  const t = timeParam('to', to) ?? Infinity;
  if (f > t) throw badRequest('from must not be later than to');
  return { from: f, to: t };
}

function timeParam(name: string, text: string | null): number | null {
  if (text === null || text === '') return null;
  if (/^-?\d{1,15}(\.\d{1,9})?$/.test(text)) return Number(text);
  try {
    return instantParam(name, text) / 1000;
  } catch {
    throw badRequest(
      `${name}: '${clip(text)}' is not an ISO 8601 time with an offset or Z, nor epoch seconds`,
    );
  }
}
