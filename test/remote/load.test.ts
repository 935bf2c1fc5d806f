// Many remote runs at once (SPEC 24.2): 100 runs across two hosts share one agent session per host (sshd's default
// MaxSessions 10 is never reached), and remote.max_running holds runs over a host's limit in `waiting`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../main/engine/settings.js';
import { engineStats } from '../../main/stats/collect.js';
import { FINISHED_STATES } from '../../shared/model/states.js';
import { eventually } from '../procs/helpers.js';
import { logOf, openApp, waitFor, type Harness } from '../engine/harness.js';
import { SshFarm, skipRemote, storedOutput } from '../helpers/sshd.js';

let farm: SshFarm;

function open(files: Record<string, string>, settings: (s: Settings) => void = () => {}): Harness {
  return openApp(files, {
    settings: (s) => {
      s.remote.ssh_config = farm.sshConfig;
      s.remote.connect_timeout = 2;
      s.remote.reconnect_for = 5;
      s.host_groups = { pool: { type: 'round-robin', hosts: ['w1', 'w2'] } };
      settings(s);
    },
  });
}

describe.skipIf(skipRemote())('remote load', () => {
  beforeAll(async () => {
    farm = await SshFarm.start(2);
  });
  afterAll(() => farm?.close());

  it('100 runs at once across two hosts all succeed with their own output', async () => {
    const h = open({
      'echo.yaml':
        'params: [n]\nprogram: {type: shell, host: pool, command: "sleep 0.5; echo run {{ n }} on $SSH_CONNECTION"}\n',
    });
    try {
      const runs = Array.from({ length: 100 }, (_, n) => h.app.engine.createRun('echo', { n: String(n) }));
      const done = await Promise.all(runs.map((r) => waitFor(h.app, r, FINISHED_STATES, 60_000)));
      expect(done.map((r) => r.state)).toEqual(runs.map(() => 'success'));
      const perHost = new Map<string, number>();
      for (const [n, r] of done.entries()) {
        const output = storedOutput(h.app, r.runId);
        const host = (r.meta['program'] as { host: string }).host;
        expect(output).toContain(`run ${n} on `);
        expect(output).toContain(` ${farm.host(host).address} ${farm.host(host).port}\n`);
        perHost.set(host, (perHost.get(host) ?? 0) + 1);
      }
      expect(Object.fromEntries(perHost)).toEqual({ w1: 50, w2: 50 });
      // One connection (its sshd process) and one session (the agent) per host, far below MaxSessions 10.
      for (const host of farm.hosts) {
        const processes = farm.processes(host.name);
        const connections = processes.filter((p) => p.cmdline.startsWith('sshd: '));
        const agents = processes.filter((p) => p.cmdline.startsWith('perl -e my ($n, $s, $c)'));
        expect(connections.length, JSON.stringify(processes)).toBe(1);
        expect(agents.length, JSON.stringify(processes)).toBe(1);
      }
      for (const host of farm.hosts)
        expect(await eventually(() => farm.runFolders(host.name).length === 0, 5000)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('a run writing megabytes gets every byte, in order, and runs beside it are not held up', async () => {
    const h = open({
      'flood.yaml': 'program: {type: shell, host: w1, command: "seq 1 400000; echo end"}\n',
      'quick.yaml': 'program: {type: shell, host: w1, command: "echo quick"}\n',
    });
    try {
      const flood = h.app.engine.createRun('flood', {});
      const quick = h.app.engine.createRun('quick', {});
      const [f, q] = await Promise.all([
        waitFor(h.app, flood, FINISHED_STATES, 30_000),
        waitFor(h.app, quick, FINISHED_STATES, 30_000),
      ]);
      expect([f.state, q.state]).toEqual(['success', 'success']);
      const output = storedOutput(h.app, flood.runId);
      const lines = output.split('\n');
      expect(lines.length).toBe(400_002);
      expect(lines.slice(0, 3)).toEqual(['1', '2', '3']);
      expect(lines.slice(-3)).toEqual(['400000', 'end', '']);
      expect(lines.slice(0, 400_000).every((l, i) => l === String(i + 1))).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('remote.max_running: runs over a host limit wait, the run log naming the host, and start in order', async () => {
    const h = open(
      {
        'one.yaml': 'params: [n]\nprogram: {type: shell, host: w1, command: "sleep 0.4; echo {{ n }}"}\n',
        'pooled.yaml':
          'params: [n]\nprogram: {type: shell, host: pool, command: "sleep 0.4; echo {{ n }}"}\n',
      },
      (s) => {
        s.remote.max_running = 2;
      },
    );
    try {
      let most = 0;
      const count = () => {
        most = Math.max(most, engineStats(h.app).remote?.hosts['w1']?.running ?? 0);
      };
      const off = h.app.engine.events.on('transition', count);
      const runs = Array.from({ length: 5 }, (_, n) => h.app.engine.createRun('one', { n: String(n) }));
      expect(runs.map((r) => r.state)).toEqual(['starting', 'starting', 'waiting', 'waiting', 'waiting']);
      expect(logOf(h.app, runs[2]?.runId ?? '')).toContain(
        'waiting for a free slot on host w1 (remote.max_running 2)',
      );
      const done = await Promise.all(runs.map((r) => waitFor(h.app, r, FINISHED_STATES, 20_000)));
      off();
      expect(done.map((r) => r.state)).toEqual(runs.map(() => 'success'));
      expect(most).toBe(2);
      // In order: each waiting run got its slot (went on to starting) after the one before it.
      const starts = done.map((r) => r.times['starting'] ?? 0);
      expect([...starts].sort((a, b) => a - b)).toEqual(starts);

      // Slots free once each end is committed, just after the transitions seen above.
      expect(await eventually(() => engineStats(h.app).remote?.hosts['w1']?.running === 0)).toBe(true);
      // A group fills both hosts first; a fifth run waits naming both.
      const pooled = Array.from({ length: 5 }, (_, n) => h.app.engine.createRun('pooled', { n: String(n) }));
      expect(pooled.map((r) => r.state)).toEqual(['starting', 'starting', 'starting', 'starting', 'waiting']);
      expect(logOf(h.app, pooled[4]?.runId ?? '')).toContain(
        'waiting for a free slot on hosts w1, w2 (remote.max_running 2)',
      );
      const pooledDone = await Promise.all(pooled.map((r) => waitFor(h.app, r, FINISHED_STATES, 20_000)));
      expect(pooledDone.map((r) => r.state)).toEqual(pooled.map(() => 'success'));
    } finally {
      await h.close();
    }
  });
});
