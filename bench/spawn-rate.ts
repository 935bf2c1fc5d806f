/**
 * Spawn-rate measurement (not a test; vitest ignores it): runs of `true` completed per second through
 * the Launcher (launch, then follow to the exit) against a bare child_process.spawn, in the same run,
 * with the engine small and then holding BLOAT_MB of touched memory.
 * Run: npx tsc -b && node dist/test/procs/spawn-rate.js [runs] [bloat MB]
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { follow } from '../main/procs/follow.js';
import { Launcher } from '../main/procs/launcher.js';
import { tempDir } from '../test/procs/helpers.js';

const RUNS = Number(process.argv[2] ?? 300);
const BLOAT_MB = Number(process.argv[3] ?? 1500);
const root = tempDir('apsis-spawn-rate-');
let serial = 0;

function bareSpawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true', [], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

async function viaLauncher(launcher: Launcher): Promise<void> {
  const runDir = join(root, `r${serial++}`);
  const launched = await launcher.launch({
    argv: ['true'],
    env: { PATH: '/usr/bin:/bin' },
    cwd: root,
    runDir,
  });
  if (!launched.ok) throw new Error(launched.error);
  for await (const event of follow(launched.runState)) {
    if (event.type === 'exit' && event.result.exit_code !== 0) throw new Error('true failed');
  }
}

/** Runs per second for RUNS runs of `one`, `inFlight` at a time. */
async function rate(one: () => Promise<void>, inFlight: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next++ < RUNS) await one();
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return RUNS / ((performance.now() - t0) / 1000);
}

async function measure(label: string): Promise<void> {
  const launcher = new Launcher();
  await viaLauncher(launcher); // the helper's fork is a one-off cost, not part of the rate
  const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  for (const inFlight of [1, 8]) {
    const bare = await rate(bareSpawn, inFlight);
    const launched = await rate(() => viaLauncher(launcher), inFlight);
    console.log(
      `${label} (engine RSS ${rssMb} MB), ${inFlight} in flight: bare spawn ${bare.toFixed(0)}/s, ` +
        `launcher ${launched.toFixed(0)}/s (ratio ${(launched / bare).toFixed(2)})`,
    );
  }
  await launcher.close();
}

await measure('small engine');
const bloat = Buffer.alloc(BLOAT_MB * 2 ** 20, 1); // touched, so resident
await measure('bloated engine');
console.log(`(${bloat.length} bytes held)`);
rmSync(root, { recursive: true, force: true });
