// Remote hosts over SSH (SPEC 24) against real sshd: a run on each host, argv without a shell, host groups, a dead
// host, hostile host names, stop, signal and timeout of a remote process group, and run folders removed afterwards.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSummary } from '../../main/engine/run.js';
import { engineStats } from '../../main/stats/collect.js';
import type { Settings } from '../../main/engine/settings.js';
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
      s.remote.reconnect_for = 3;
      settings(s);
    },
  });
}

function outputOf(h: Harness, runId: string): string {
  return storedOutput(h.app, runId);
}

async function finish(h: Harness, jobId: string, args: Record<string, string> = {}) {
  const run = h.app.engine.createRun(jobId, args);
  const done = await waitFor(h.app, run, FINISHED_STATES, 15_000);
  return { run: done, output: outputOf(h, run.runId), log: logOf(h.app, run.runId) };
}

const WHERE =
  'params: [host]\nprogram:\n  type: shell\n  host: "{{ host }}"\n  command: echo "$(whoami) $PWD $SSH_CONNECTION $APSIS_RUN_ID $APSIS_JOB_ID"\n';

describe.skipIf(skipRemote())('remote hosts', () => {
  beforeAll(async () => {
    farm = await SshFarm.start(2);
    await farm.addDeadHost('dead');
  });
  afterAll(() => farm?.close());

  it('runs a shell command on each host as its user, in its home, with the run and job ids; its folder goes after', async () => {
    const h = open({ 'where.yaml': WHERE });
    try {
      for (const host of farm.hosts) {
        const { run, output } = await finish(h, 'where', { host: host.name });
        expect(run.state, output).toBe('success');
        // $SSH_CONNECTION names the sshd that ran it: address and port of this host.
        expect(output).toMatch(
          new RegExp(
            `^${host.user} ${host.home} 127\\.0\\.0\\.1 \\d+ ${host.address.replace(/\./g, '\\.')} ${host.port} ${run.runId} where\\n$`,
          ),
        );
        expect(run.meta['program']).toMatchObject({ host: host.name, username: host.user });
        expect(typeof (run.meta['program'] as { hostname?: unknown }).hostname).toBe('string');
        expect(run.meta['program']).toMatchObject({ return_code: 0, signal: null });
      }
      for (const host of farm.hosts)
        expect(await eventually(() => farm.runFolders(host.name).length === 0)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('runs an argv without a shell: no expansion, no word splitting (whatever the login script prints)', async () => {
    // A login script that prints (Debian's bash reads ~/.bashrc for commands run by sshd) must not matter.
    const bashrc = join(farm.host('w2').home, '.bashrc');
    writeFileSync(bashrc, `echo "Welcome to w2"\n${readFileSync(bashrc, 'utf8')}`);
    const h = open({
      'argv.yaml': `program:\n  type: program\n  host: w2\n  argv: [/usr/bin/printf, "%s|", "a  b", "$HOME", "it's", "*"]\n`,
    });
    try {
      const { run, output } = await finish(h, 'argv');
      expect(run.state).toBe('success');
      expect(output).toBe("a  b|$HOME|it's|*|");
    } finally {
      await h.close();
    }
  });

  it('a program that cannot start on the host fails with the reason; a failing one with its exit code', async () => {
    const h = open({
      'missing.yaml': 'program: {type: program, host: w1, argv: [/no/such/tool]}\n',
      'fails.yaml': 'program: {type: shell, host: w1, command: "echo out; echo err >&2; exit 3"}\n',
    });
    try {
      const missing = await finish(h, 'missing');
      expect(missing.run.state).toBe('error');
      expect(missing.log).toContain('error: no such file: /no/such/tool');
      const fails = await finish(h, 'fails');
      expect(fails.run.state).toBe('failure');
      expect(fails.output).toBe('out\nerr\n');
      expect(fails.log).toContain('failure: program failed: exit code 3');
      expect(await eventually(() => farm.runFolders('w1').length === 0)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('a dead host ends its run in error naming it, while runs on the other hosts go on', async () => {
    const h = open({
      'dead.yaml': 'program: {type: shell, host: dead, command: "echo never"}\n',
      'alive.yaml': 'program: {type: shell, host: w1, command: "sleep 0.3; echo alive"}\n',
    });
    try {
      const [dead, alive] = await Promise.all([finish(h, 'dead'), finish(h, 'alive')]);
      expect(dead.run.state).toBe('error');
      expect(dead.log.at(-1)).toMatch(
        /^error: ssh to dead failed: ssh: connect to host 127\.0\.0\.99 port \d+: Connection refused$/,
      );
      expect(dead.output).toMatch(/^ssh to dead failed: /);
      expect(alive.run.state).toBe('success');
      expect(alive.output).toBe('alive\n');
      const hosts = engineStats(h.app).remote?.hosts ?? {};
      expect(hosts['dead']).toMatchObject({
        connected: false,
        state: 'down',
        running: 0,
        launches: 0,
        failures: 1,
      });
      expect(hosts['dead']?.error).toMatch(/Connection refused$/);
      expect(hosts['w1']).toMatchObject({ connected: true, state: 'up', launches: 1, failures: 0 });
      expect(hosts['w1']?.rtt).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });

  it('checks host names: an arg cannot smuggle ssh options', async () => {
    const marker = `${farm.dir}/smuggled`;
    const h = open({ 'where.yaml': WHERE });
    try {
      for (const host of [`-oProxyCommand=touch ${marker}`, 'w1 -v', 'w1;id', '']) {
        const { run, log } = await finish(h, 'where', { host });
        expect(run.state).toBe('error');
        expect(log.at(-1)).toMatch(/^error: host: host name/);
      }
      expect(existsSync(marker)).toBe(false);
    } finally {
      await h.close();
    }
  });

  it('round-robin alternates between its hosts, and goes on where it was after a restart', async () => {
    const groups = (s: Settings) => {
      s.host_groups = {
        pool: { type: 'round-robin', hosts: ['w1', 'w2'] },
        solo: { type: 'alias', hosts: ['w2'] },
      };
    };
    const h = open({ 'where.yaml': WHERE }, groups);
    const hosts = (runs: { run: { meta: Record<string, unknown> } }[]) =>
      runs.map((r) => (r.run.meta['program'] as { host: string }).host);
    try {
      const before = [];
      for (let i = 0; i < 3; i++) before.push(await finish(h, 'where', { host: 'pool' }));
      expect(hosts(before)).toEqual(['w1', 'w2', 'w1']);
      const groups = before.map((r) => (r.run.meta['program'] as { host_group?: string }).host_group);
      expect(groups).toEqual(['pool', 'pool', 'pool']);
      expect(before[1]?.output).toContain(` ${farm.host('w2').address} `);
      await h.reopen();
      // Lists show where each finished run ran, also after a restart (from its summary columns alone).
      const restored = before.map((r) => h.app.engine.runs.get(r.run.runId));
      expect(restored.map((r) => r?.slim)).toEqual([true, true, true]);
      expect(restored.map((r) => (r === undefined ? null : toSummary(r).host))).toEqual(['w1', 'w2', 'w1']);
      const after = [];
      for (let i = 0; i < 2; i++) after.push(await finish(h, 'where', { host: 'pool' }));
      expect(hosts(after)).toEqual(['w2', 'w1']);
      // An alias is one host under another name.
      expect(hosts([await finish(h, 'where', { host: 'solo' })])).toEqual(['w2']);
    } finally {
      await h.close();
    }
  });

  it('a group never picks a host known down; with all down the run ends in error naming them', async () => {
    const h = open({ 'where.yaml': WHERE }, (s) => {
      s.host_groups = {
        mixed: { type: 'round-robin', hosts: ['dead', 'w1'] },
        anywhere: { type: 'random', hosts: ['dead', 'w2'] },
        gone: { type: 'random', hosts: ['dead'] },
      };
    });
    try {
      // Not yet known down: the first choice may fall on it, and that run ends in error.
      const first = await finish(h, 'where', { host: 'mixed' });
      expect(first.log.at(-1)).toMatch(/^error: ssh to dead failed: /);
      for (let i = 0; i < 4; i++) {
        const { run } = await finish(h, 'where', { host: i % 2 === 0 ? 'mixed' : 'anywhere' });
        expect(run.state).toBe('success');
        expect((run.meta['program'] as { host: string }).host).toBe(i % 2 === 0 ? 'w1' : 'w2');
      }
      const gone = await finish(h, 'where', { host: 'gone' });
      expect(gone.run.state).toBe('error');
      expect(gone.log.at(-1)).toBe('error: every host of group gone is unreachable: dead');
    } finally {
      await h.close();
    }
  });

  it('stop, signal and timeout act on the remote process group; nothing is left running', async () => {
    const h = open({
      'sleeper.yaml': 'program: {type: shell, host: w1, command: "sleep 300 & sleep 301; wait"}\n',
      'trapper.yaml': [
        'program:',
        '  type: program',
        '  host: w2',
        `  argv: [perl, -e, '$| = 1; $SIG{USR1} = sub { print "got USR1\\n"; exit 0 }; print "ready\\n"; sleep 1 while 1']`,
        '',
      ].join('\n'),
      'slow.yaml': 'program: {type: shell, host: w1, command: "sleep 302", timeout: {duration: 1}}\n',
    });
    const sleeping = () =>
      farm.processes('w1').filter((p) => / 30[012]$/.test(p.cmdline) && p.cmdline.startsWith('sleep'));
    try {
      const sleeper = h.app.engine.createRun('sleeper', {});
      await waitFor(h.app, sleeper, 'running', 15_000);
      expect(await eventually(() => sleeping().length === 2)).toBe(true);
      h.app.engine.stopRun(sleeper.runId);
      const stopped = await waitFor(h.app, sleeper, FINISHED_STATES, 10_000);
      expect(stopped.state).toBe('success');
      expect(stopped.meta['program']).toMatchObject({ signal: 'SIGTERM', stop: { signals: ['SIGTERM'] } });
      expect(await eventually(() => sleeping().length === 0)).toBe(true);

      const trapper = h.app.engine.createRun('trapper', {});
      await waitFor(h.app, trapper, 'running', 15_000);
      // Live output: "ready", printed at once, reaches the engine within 1 s while the process still runs.
      const running = Date.now();
      expect(await eventually(() => h.app.engine.liveOutput(trapper.runId)?.length === 6, 5000)).toBe(true);
      expect(Date.now() - running).toBeLessThan(1000 + 200);
      h.app.engine.signalRun(trapper.runId, 'USR1');
      const signalled = await waitFor(h.app, trapper, FINISHED_STATES, 10_000);
      expect(signalled.state).toBe('success');
      expect(outputOf(h, trapper.runId)).toBe('ready\ngot USR1\n');
      expect(logOf(h.app, trapper.runId)).toContain('sending SIGUSR1');

      const slow = await finish(h, 'slow');
      expect(slow.run.state).toBe('failure');
      expect(slow.log.at(-1)).toBe('failure: program failed: killed by SIGTERM (timeout after 1 s)');
      expect(await eventually(() => sleeping().length === 0)).toBe(true);
      for (const host of farm.hosts)
        expect(
          await eventually(() => farm.runFolders(host.name).length === 0),
          `${host.name}: ${farm.runFolders(host.name).join(' ')} ${JSON.stringify(farm.processes(host.name))}`,
        ).toBe(true);
    } finally {
      await h.close();
    }
  });
});
