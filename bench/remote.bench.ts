/**
 * Remote hosts (SPEC 24): `true` runs/s through one host against local runs/s in the same run, and the launch
 * latency a remote run adds (starting → running) with its master connection up. The host is a real sshd on a loopback
 * address (test/helpers/sshd.ts), so this needs root; without it the row says why and measures nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../main/engine/app.js';
import { SystemClock } from '../main/engine/clock.js';
import { defaultSettings } from '../main/engine/settings.js';
import { jobFolder } from '../test/helpers/folders.js';
import { SshFarm, sshdUnavailable } from '../test/helpers/sshd.js';
import { median, type BenchRow, type Benchmark } from './harness.js';

const JOBS = {
  'local.yaml': 'program: {type: program, argv: ["true"]}\n',
  'remote.yaml': 'program: {type: program, host: w1, argv: ["true"]}\n',
};

function open(sshConfig: string): { app: App; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-remote-'));
  const settings = defaultSettings();
  settings.stats.interval = 3600;
  settings.remote.ssh_config = sshConfig;
  const app = App.open({
    jobDir: jobFolder(JOBS),
    dbPath: join(dir, 'apsis.db'),
    settings,
    clock: new SystemClock(),
  });
  return { app, dir };
}

/** Runs of `jobId` completed per second, `n` created at once. */
function rate(app: App, jobId: string, n: number): Promise<number> {
  const t0 = performance.now();
  let done = 0;
  return new Promise((resolve, reject) => {
    const off = app.engine.events.on('transition', ({ summary: run }) => {
      if (run.job_id !== jobId) return;
      if (run.state === 'failure' || run.state === 'error')
        reject(new Error(`${run.run_id} ended in ${run.state}`));
      if (run.state === 'success' && ++done === n) {
        off();
        resolve(n / ((performance.now() - t0) / 1000));
      }
    });
    for (let i = 0; i < n; i++) app.engine.createRun(jobId, {});
  });
}

/** Milliseconds from each run's `starting` to its `running` (as the engine recorded them), one run at a time. */
async function launchLatency(app: App, jobId: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const run = app.engine.createRun(jobId, {});
    await new Promise<void>((resolve) => {
      const off = app.engine.events.on('transition', ({ summary }) => {
        if (summary.run_id === run.runId && summary.state === 'success') {
          off();
          resolve();
        }
      });
    });
    const whole = app.engine.full(run);
    out.push((whole.times['running'] ?? NaN) - (whole.times['starting'] ?? NaN));
  }
  return out;
}

export const remoteBenchmark: Benchmark = {
  name: 'remote',
  async run(): Promise<BenchRow[]> {
    const why = sshdUnavailable();
    if (why !== null)
      return [
        {
          benchmark: 'remote "true" runs/s through one host',
          value: NaN,
          unit: 'runs/s',
          goal: '—',
          met: null,
          note: `not measured: ${why}`,
        },
      ];
    const farm = await SshFarm.start(1);
    const { app, dir } = open(farm.sshConfig);
    try {
      // The master connection and the agent up first: the figures are for a host in use.
      await rate(app, 'remote', 5);
      const n = 200;
      const local = await rate(app, 'local', n);
      const remote = await rate(app, 'remote', n);
      const localLatency = await launchLatency(app, 'local', 50);
      const remoteLatency = await launchLatency(app, 'remote', 50);
      const extra = median(remoteLatency) - median(localLatency);
      return [
        {
          benchmark: `remote "true" runs completed/s through one host (${n} at once)`,
          value: remote,
          unit: 'runs/s',
          goal: '—',
          met: null,
          baseline: { name: 'local runs', value: local, ratio: remote / local },
          note: 'one sshd on a loopback address of this machine, so its CPU is shared with the engine',
        },
        {
          benchmark: 'extra launch latency of a remote run, p50 (starting → running, master connection up)',
          value: extra,
          unit: 'ms',
          goal: '< 20 ms',
          met: extra < 20,
          note: `remote p50 ${median(remoteLatency).toFixed(1)} ms, max ${Math.max(...remoteLatency).toFixed(1)} ms; local p50 ${median(localLatency).toFixed(1)} ms (50 runs each, one at a time)`,
        },
      ];
    } finally {
      await app.shutdown();
      farm.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
