/** One stats sample, and the CSV export of 30 days of samples at 10 s (SPEC 20: < 1 ms; < 1 s, constant memory). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { App } from '../main/engine/app.js';
import { SystemClock } from '../main/engine/clock.js';
import { defaultSettings } from '../main/engine/settings.js';
import { engineStats } from '../main/stats/collect.js';
import { openStatsHistory } from '../main/cli/stats-csv.js';
import { statsCsv } from '../main/stats/csv.js';
import { writeChunks } from '../main/stats/streaming.js';
import { SqliteStore } from '../main/store/sqlite-store.js';
import { timeIt, type Benchmark, type BenchRow } from './harness.js';

const SAMPLES = 2000;
const EXPORT_SAMPLES = (30 * 86_400) / 10;

/** Median and p99 of one sampler step (collect the stats object and store it), in ms. */
async function sampleCost(dir: string): Promise<{ median: number; p99: number }> {
  const app = App.open({
    jobDir: mkdtempSync(join(dir, 'jobs-')),
    dbPath: join(dir, 'sample.db'),
    settings: defaultSettings(),
    clock: new SystemClock(),
  });
  try {
    for (let i = 0; i < 100; i += 1) app.sampler.sample(); // warm-up
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      const t0 = performance.now();
      app.sampler.sample();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { median: times[times.length >> 1] ?? NaN, p99: times[Math.floor(times.length * 0.99)] ?? NaN };
  } finally {
    await app.shutdown();
  }
}

/** A database holding EXPORT_SAMPLES realistic samples 10 s apart; returns its path. */
async function buildHistory(dir: string): Promise<string> {
  const path = join(dir, 'history.db');
  const app = App.open({
    jobDir: mkdtempSync(join(dir, 'jobs-')),
    dbPath: join(dir, 'template.db'),
    settings: defaultSettings(),
    clock: new SystemClock(),
  });
  const template = engineStats(app);
  await app.shutdown();
  const start = Date.parse('2026-01-01T00:00:00Z');
  const store = SqliteStore.open(path, { now: start / 1000 });
  store.transaction(() => {
    for (let i = 0; i < EXPORT_SAMPLES; i += 1) {
      const t = start + i * 10_000;
      store.insertStats(t / 1000, {
        ...template,
        time: new Date(t).toISOString(),
        async: { latency: (i % 97) / 1e4, num_tasks: 3 + (i % 5) },
        rusage_utime: template.rusage_utime + i * 0.0123,
        heap: { used: template.heap.used + (i % 1000) * 4096, total: template.heap.total },
        tasks: { ...template.tasks, num_running: i % 7 },
      });
    }
  });
  store.close();
  return path;
}

/** Exports the samples before `to` to a sink that drops them; time, bytes and peak RSS growth. */
async function exportCsv(
  store: SqliteStore,
  to: number,
): Promise<{ ms: number; bytes: number; growth: number }> {
  let bytes = 0;
  let peak = 0;
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      bytes += chunk.length;
      peak = Math.max(peak, process.memoryUsage.rss());
      done();
    },
  });
  const before = process.memoryUsage.rss();
  const ms = await timeIt(() => writeChunks(statsCsv(store, -Infinity, to), sink));
  return { ms, bytes, growth: Math.max(0, peak - before) };
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

export const statsBenchmark: Benchmark = {
  name: 'stats',
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-stats-'));
    try {
      const cost = await sampleCost(dir);
      const path = await buildHistory(dir);
      const store = openStatsHistory(path);
      // Peak RSS growth of a tenth of the range, then of all of it: constant memory shows as equal growth.
      const tenth = await exportCsv(store, Date.parse('2026-01-04T00:00:00Z') / 1000);
      const whole = await exportCsv(store, Infinity);
      store.close();
      return [
        {
          benchmark: 'one stats sample (collect + store)',
          value: cost.median,
          unit: 'ms',
          goal: '< 1 ms',
          met: cost.median < 1,
          note: `median of ${SAMPLES}; p99 ${cost.p99.toFixed(3)} ms`,
        },
        {
          benchmark: `CSV export of ${EXPORT_SAMPLES} samples`,
          value: whole.ms / 1000,
          unit: 's',
          goal: '< 1 s',
          met: whole.ms < 1000,
          note:
            `${mib(whole.bytes)} MiB of CSV; peak RSS growth ${mib(whole.growth)} MiB ` +
            `(${mib(tenth.growth)} MiB for the first ${EXPORT_SAMPLES / 10} samples)`,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
