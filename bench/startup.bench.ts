/** Startup to serving with 1,000,000 finished runs in the DB, and RSS after startup, vs an empty DB (SPEC 20). */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillFinishedRuns } from './fill.js';
import type { BenchRow, Benchmark } from './harness.js';
import { jobFolder } from '../test/helpers/folders.js';

const RUNS = Number(process.env['BENCH_STARTUP_RUNS'] ?? 1_000_000);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'apsis');

/** Seconds from spawning `apsis serve` to its `listening on` line, and its RSS (bytes) then. */
function startServe(db: string, jobDir: string): Promise<{ seconds: number; rss: number; anon: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve', jobDir, '--db', db, '--port', '0'], {
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
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
