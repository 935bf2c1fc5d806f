/**
 * `apsis import-apsis-db` of an Apsis database of 1,000,000 runs (SPEC 20: < 60 s, progress shown), against a raw
 * copy of the same tables in the same run; its peak RSS against an import of a tenth of the runs (flat: rows stream).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../main/store/sqlite-store.js';
import { RUN_COLUMNS } from '../main/store/run-record.js';
import { writeApsisDb } from '../test/helpers/apsis-db.js';
import { APSIS_BIN } from '../test/helpers/folders.js';
import type { BenchRow, Benchmark } from './harness.js';

const RUNS = Number(process.env['BENCH_IMPORT_RUNS'] ?? 1_000_000);

/** Wall seconds of the import as a user runs it, its peak RSS (VmHWM, bytes) and its progress lines. */
function timeImport(
  source: string,
  target: string,
): Promise<{ seconds: number; peak: number; progress: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [APSIS_BIN, 'import-apsis-db', source, '--db', target], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let peak = 0;
  let stderr = '';
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // exited between polls
    }
  }, 100);
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`import exited ${code}: ${stderr}`));
      else
        resolve({
          seconds: (performance.now() - t0) / 1000,
          peak,
          progress: stderr.split('\n').filter((l) => l.includes('runs ')).length,
        });
    }),
  );
}

/** Seconds of the floor: the same rows copied by SQLite alone (ATTACH, INSERT ... SELECT), nothing checked. */
function rawCopy(source: string, target: string): number {
  const store = SqliteStore.open(target, { now: Date.now() / 1000 });
  try {
    const t0 = performance.now();
    store.db.prepare('ATTACH DATABASE ? AS apsis').run(source);
    store.db.transaction(() => {
      store.db.exec(`
        INSERT INTO runs (rowid, ${RUN_COLUMNS}) SELECT rowid, ${RUN_COLUMNS} FROM apsis.runs ORDER BY rowid;
        INSERT INTO run_history (run_id, timestamp, message)
          SELECT run_id, timestamp, message FROM apsis.run_history ORDER BY rowid;
        INSERT INTO output SELECT * FROM apsis.output ORDER BY rowid;
      `);
    })();
    store.db.exec('DETACH apsis');
    store.close();
    return (performance.now() - t0) / 1000;
  } finally {
    if (store.db.open) store.close();
  }
}

export const importBenchmark: Benchmark = {
  name: 'import',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-import-'));
    try {
      const source = join(dir, 'apsis.db');
      const small = join(dir, 'apsis-small.db');
      const g0 = performance.now();
      const made = writeApsisDb(source, { runs: RUNS });
      const generation = (performance.now() - g0) / 1000;
      writeApsisDb(small, { runs: Math.ceil(RUNS / 10) });
      const raw = rawCopy(source, join(dir, 'raw.db'));
      rmSync(join(dir, 'raw.db'));
      const full = await timeImport(source, join(dir, 'ours.db'));
      const tenth = await timeImport(small, join(dir, 'ours-small.db'));
      return [
        {
          benchmark: `import-apsis-db of ${RUNS} runs`,
          value: full.seconds,
          unit: 's',
          goal: '< 60 s, progress shown',
          met: full.seconds < 60 && full.progress > 0,
          baseline: { name: 'raw SQLite copy, nothing checked', value: raw, ratio: full.seconds / raw },
          note:
            `${made.logLines} run-log lines, ${made.outputs} outputs (${made.compressed} brotli-compressed); ` +
            `${full.progress} progress lines; generating the Apsis database (not timed) took ${generation.toFixed(0)} s`,
        },
        {
          benchmark: `import-apsis-db peak RSS, ${RUNS} runs`,
          value: full.peak / 1e6,
          unit: 'MB',
          goal: 'flat in the number of runs',
          met: full.peak < 1.5 * tenth.peak,
          baseline: {
            name: `${Math.ceil(RUNS / 10)} runs`,
            value: tenth.peak / 1e6,
            ratio: full.peak / tenth.peak,
          },
        },
      ] satisfies BenchRow[];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
