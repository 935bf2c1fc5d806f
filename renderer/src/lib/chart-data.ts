/** Shaping stats history into uPlot series (pure, unit-tested). */
import { flattenStats } from '../../../shared/stats/schema.js';
import { formatTime } from './format.js';

export interface Sample {
  time: number;
  stats: unknown;
}

/** uPlot data: x (epoch seconds) then one array per series; missing values are null. */
export type ChartData = [number[], ...(number | null)[][]];

/** Columns `fields` (dotted names) over time. */
export function series(samples: readonly Sample[], fields: readonly string[]): ChartData {
  const xs: number[] = [];
  const ys: (number | null)[][] = fields.map(() => []);
  for (const s of samples) {
    const flat = flattenStats(s.stats);
    xs.push(s.time);
    fields.forEach((f, i) => {
      const v = flat[f];
      (ys[i] as (number | null)[]).push(typeof v === 'number' ? v : null);
    });
  }
  return [xs, ...ys];
}

/**
 * Rates per second of cumulative counters (CPU seconds → CPU fraction): the difference between neighbours
 * divided by the time between them. The first point is null, and so is a point after a gap (null) or after the
 * counter went down: the engine restarted and its counter began again from zero, so the line starts a new segment
 * instead of dropping below zero.
 */
export function rates(data: ChartData): ChartData {
  const [xs, ...ys] = data;
  return [
    xs,
    ...ys.map((col) =>
      col.map((v, i) => {
        const prev = col[i - 1];
        const dt = (xs[i] as number) - (xs[i - 1] as number);
        if (i === 0 || v === null || prev === null || prev === undefined || dt <= 0 || v < prev) return null;
        return (v - prev) / dt;
      }),
    ),
  ];
}

/** The usual time between samples: the median gap (seconds), or null with fewer than two samples. */
export function typicalStep(xs: readonly number[]): number | null {
  const gaps: number[] = [];
  for (let i = 1; i < xs.length; i += 1) gaps.push((xs[i] as number) - (xs[i - 1] as number));
  if (gaps.length === 0) return null;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] as number;
}

/**
 * Where samples are missing for more than `factor` times the usual step (the engine was down), a point of nulls
 * goes between the samples on each side, so the chart draws no line across the outage.
 */
export function withGaps(data: ChartData, factor = 2.5): ChartData {
  const [xs, ...ys] = data;
  const step = typicalStep(xs);
  if (step === null || step <= 0) return data;
  const outX: number[] = [];
  const outY: (number | null)[][] = ys.map(() => []);
  for (let i = 0; i < xs.length; i += 1) {
    const x = xs[i] as number;
    const prev = xs[i - 1];
    if (prev !== undefined && x - prev > factor * step) {
      outX.push((prev + x) / 2);
      for (const col of outY) col.push(null);
    }
    outX.push(x);
    ys.forEach((col, j) => (outY[j] as (number | null)[]).push(col[i] ?? null));
  }
  return [outX, ...outY];
}

/** Step (seconds) so that a range gives at most `points` samples. */
export function stepFor(rangeSeconds: number, intervalSeconds: number, points = 2000): number | null {
  const n = rangeSeconds / intervalSeconds;
  return n <= points ? null : Math.ceil(rangeSeconds / points);
}

/** Every value multiplied by `factor` (seconds → milliseconds), nulls kept. */
export function scaled(data: ChartData, factor: number): ChartData {
  const [xs, ...ys] = data;
  return [xs, ...ys.map((col) => col.map((v) => (v === null ? null : v * factor)))];
}

/**
 * Labels of time-axis ticks (epoch seconds) in `zone`, from the console's `YYYY-MM-DD HH:mm:ss`: the time alone
 * when the ticks fall within one day (seconds only when a tick needs them), else the date and the time, or the date
 * alone when every tick is at midnight.
 */
export function timeTicks(ticks: readonly number[], zone: string): string[] {
  const full = ticks.map((t) => formatTime(t * 1000, zone));
  const oneDay = full.every((f) => f.slice(0, 10) === full[0]?.slice(0, 10));
  const seconds = full.some((f) => !f.endsWith(':00'));
  if (oneDay) return full.map((f) => (seconds ? f.slice(11) : f.slice(11, 16)));
  if (full.every((f) => f.endsWith('00:00:00'))) return full.map((f) => f.slice(5, 10));
  return full.map((f) => `${f.slice(5, 10)} ${f.slice(11, 16)}`);
}
