/**
 * Downsampling of the stats history (SPEC 17.4): samples grouped in buckets `floor((time - from) / step)`; each
 * bucket gives one entry at its first sample's time, with every numeric field at its maximum over the bucket and
 * every other field as in the bucket's last sample.
 */
import type { StatsRow } from '../store/sqlite-store.js';

/** One history entry: `time` in epoch seconds, as stored. */
export interface HistoryEntry {
  time: number;
  stats: unknown;
}

/** Numeric maxima by field, nested like the stats object. */
type MaxTree = Map<string, number | MaxTree>;

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Folds the numeric fields of `value` into `tree`. A field that is a number in one sample and an object in another keeps the first kind seen. */
function addMaxima(tree: MaxTree, value: Plain): void {
  for (const key in value) {
    const v = value[key];
    const seen = tree.get(key);
    if (typeof v === 'number') {
      if (seen === undefined || (typeof seen === 'number' && v > seen)) tree.set(key, v);
    } else if (isPlain(v) && typeof seen !== 'number') {
      let sub = seen;
      if (sub === undefined) tree.set(key, (sub = new Map()));
      addMaxima(sub, v);
    }
  }
}

/** Writes the maxima into `target` (the last sample), where it has a number or nothing at that field. */
function applyMaxima(target: Plain, tree: MaxTree): void {
  for (const [key, m] of tree) {
    const v = target[key];
    if (typeof m === 'number') {
      if (v === undefined || typeof v === 'number') target[key] = m;
    } else if (isPlain(v)) applyMaxima(v, m);
    else if (v === undefined) applyMaxima((target[key] = {}), m);
  }
}

function parse(text: string): Plain {
  try {
    const value: unknown = JSON.parse(text);
    return isPlain(value) ? value : {};
  } catch {
    return {};
  }
}

/** Downsampling one row at a time. */
class Downsampler {
  private base: number | null;
  private bucket: { key: number; time: number; last: Plain; maxima: MaxTree } | null = null;

  /** `from` in epoch seconds; the first row's time when not finite. `step` in seconds, > 0. */
  constructor(
    from: number,
    private readonly step: number,
  ) {
    this.base = Number.isFinite(from) ? from : null;
  }

  /** Adds the next row (in time order); returns the entry of the bucket it closes, if any. */
  add(row: StatsRow): HistoryEntry | null {
    this.base ??= row.time;
    const key = Math.floor((row.time - this.base) / this.step);
    const value = parse(row.stats);
    const closed = this.bucket !== null && this.bucket.key !== key ? this.finish() : null;
    this.bucket ??= { key, time: row.time, last: value, maxima: new Map() };
    this.bucket.last = value;
    addMaxima(this.bucket.maxima, value);
    return closed;
  }

  /** The entry of the open bucket, if any; the bucket is then closed. */
  finish(): HistoryEntry | null {
    const bucket = this.bucket;
    if (bucket === null) return null;
    this.bucket = null;
    applyMaxima(bucket.last, bucket.maxima);
    return { time: bucket.time, stats: bucket.last };
  }
}

/**
 * Entries of `rows` (in time order) downsampled by `step` seconds from `from` (epoch seconds; the first row's
 * time when not finite). Holds one bucket at a time; pass the rows through `paced` so a long range does not
 * stall the event loop.
 */
export async function* downsample(
  rows: AsyncIterable<StatsRow>,
  from: number,
  step: number,
): AsyncGenerator<HistoryEntry, void, undefined> {
  const sampler = new Downsampler(from, step);
  for await (const row of rows) {
    const entry = sampler.add(row);
    if (entry !== null) yield entry;
  }
  const last = sampler.finish();
  if (last !== null) yield last;
}
