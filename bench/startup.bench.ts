/** Startup to serving with 1,000,000 finished runs in the DB, and RSS after startup, vs an empty DB (SPEC 20). */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../main/store/sqlite-store.js';
import { fillFinishedRuns } from './fill.js';
import type { BenchRow, Benchmark } from './harness.js';
import { APSIS_BIN, jobFolder } from '../test/helpers/folders.js';

const RUNS = Number(process.env['BENCH_STARTUP_RUNS'] ?? 1_000_000);

/** Seconds from spawning `apsis serve` to its `listening on` line, and its RSS (bytes) then. */
function startServe(db: string, jobDir: string): Promise<{ seconds: number; rss: number; anon: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [APSIS_BIN, 'serve', jobDir, '--db', db, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('listening on')) return;
      const seconds = (performance.now() - t0) / 1000;
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
      // RSS counts the database pages SQLite has mmap'd (mmap_size 256 MiB, SPEC 13.1); RssAnon is the process's own memory.
      const anon = Number(/RssAnon:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
      child.kill('SIGTERM');
      child.on('exit', () => resolve({ seconds, rss, anon }));
    });
    child.on('error', reject);
  });
}

/** Milliseconds to read the newest 100 runs of each of 20 jobs from the store, the first one cold. */
function newestOfJob(db: string): { times: number[]; median: number } {
  const store = SqliteStore.open(db, { now: Date.now() / 1000 });
  try {
    const times: number[] = [];
    for (let k = 0; k < 20; k += 1) {
      const t0 = performance.now();
      const runs = store.newestRunsOfJob(`job-${(k * 37) % 100}`, 100);
      times.push(performance.now() - t0);
      // 100 jobs share the runs evenly: fewer than 100 each only with a small BENCH_STARTUP_RUNS.
      const want = Math.min(100, Math.floor(RUNS / 100));
      if (runs.length !== want) throw new Error(`expected ${want} runs, got ${runs.length}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    return { times, median: sorted[sorted.length >> 1] ?? NaN };
  } finally {
    store.close();
  }
}

export const startupBenchmark: Benchmark = {
  name: 'startup',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-startup-'));
    const jobs = jobFolder({ 'a.yaml': 'program: {type: no-op}\n' });
    try {
      const emptyDb = join(dir, 'empty.db');
      const fullDb = join(dir, 'full.db');
      fillFinishedRuns(fullDb, RUNS, 100, 'job-');
      const empty = await startServe(emptyDb, jobs);
      const full = await startServe(fullDb, jobs);
      const rows: BenchRow[] = [
        {
          benchmark: `startup to serving, ${RUNS} finished runs in DB`,
          value: full.seconds,
          unit: 's',
          goal: '< 1.5 s',
          met: full.seconds < 1.5,
          baseline: { name: 'empty DB', value: empty.seconds, ratio: full.seconds / empty.seconds },
        },
        {
          benchmark: `RSS after startup, ${RUNS} finished runs in DB`,
          value: full.rss / 1e6,
          unit: 'MB',
          goal: '< 200 MB',
          met: full.rss < 200e6,
          baseline: { name: 'empty DB', value: empty.rss / 1e6, ratio: full.rss / empty.rss },
          note: `anonymous RSS (without mmap'd database pages) ${(full.anon / 1e6).toFixed(0)} MB, empty DB ${(empty.anon / 1e6).toFixed(0)} MB`,
        },
      ];
      const query = newestOfJob(fullDb);
      rows.push({
        benchmark: `run list query: newest 100 runs of one job among ${RUNS}`,
        value: query.median,
        unit: 'ms',
        goal: '< 10 ms',
        met: query.median < 10,
        note: `median of ${query.times.length} jobs, first (cold) ${query.times[0]?.toFixed(2)} ms, max ${Math.max(...query.times).toFixed(2)} ms; through the (job_id, rowid) index`,
      });
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
