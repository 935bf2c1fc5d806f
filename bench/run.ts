/**
 * `npm run bench [-- --json] [-- NAME|NAME.ROW...]`: runs the benchmarks (all, or those named; `engine.e2e` runs one
 * row of one benchmark), prints a table, writes bench/results.json with --json.
 */
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
  for (const name of names) {
    const [bench, row] = name.split('.', 2);
    const known = BENCHMARKS.find((b) => b.name === bench);
    if (known === undefined || (row !== undefined && !(known.rows ?? []).includes(row))) {
      const all = BENCHMARKS.flatMap((b) => [b.name, ...(b.rows ?? []).map((r) => `${b.name}.${r}`)]);
      process.stderr.write(`unknown benchmark ${name}; known: ${all.join(', ')}\n`);
      process.exitCode = 2;
      return;
    }
  }
  const rows: BenchRow[] = [];
  for (const bench of BENCHMARKS) {
    const picked = names.filter((n) => n === bench.name || n.startsWith(`${bench.name}.`));
    if (names.length > 0 && picked.length === 0) continue;
    // Rows named: only those; the benchmark's own name among them: all of it.
    const only =
      picked.includes(bench.name) || picked.length === 0
        ? undefined
        : new Set(picked.map((n) => n.slice(bench.name.length + 1)));
    process.stderr.write(
      `running ${bench.name}${only === undefined ? '' : ` (${[...only].join(', ')})`}...\n`,
    );
    rows.push(...(await bench.run(only)));
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
