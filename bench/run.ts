/** `npm run bench [-- --json] [-- NAME...]`: runs the benchmarks, prints a table, writes bench/results.json with --json. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRows, type Benchmark, type BenchRow } from './harness.js';
import { consoleBenchmark } from './console.bench.js';
import { engineBenchmark } from './engine.bench.js';
import { forecastBenchmark } from './forecast.bench.js';
import { importBenchmark } from './import.bench.js';
import { planBenchmark } from './plan.bench.js';
import { remoteBenchmark } from './remote.bench.js';
import { startupBenchmark } from './startup.bench.js';
import { statsBenchmark } from './stats.bench.js';

const BENCHMARKS: Benchmark[] = [
  planBenchmark,
  statsBenchmark,
  engineBenchmark,
  startupBenchmark,
  consoleBenchmark,
  forecastBenchmark,
  remoteBenchmark,
  importBenchmark,
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const names = args.filter((a) => !a.startsWith('--'));
  const rows: BenchRow[] = [];
  for (const bench of BENCHMARKS) {
    if (names.length > 0 && !names.includes(bench.name)) continue;
    process.stderr.write(`running ${bench.name}...\n`);
    rows.push(...(await bench.run()));
  }
  process.stdout.write(`${formatRows(rows)}\n`);
  for (const row of rows)
    if (row.note !== undefined) process.stdout.write(`  ${row.benchmark}: ${row.note}\n`);
  if (json) {
    // Compiled to dist/bench/run.js: results go beside the sources, in bench/.
    const out = join(import.meta.dirname, '..', '..', 'bench', 'results.json');
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
    );
    process.stdout.write(`wrote ${out}\n`);
  }
}

await main();
