// Remote runs survive what happens to the engine and the network (SPEC 24.2): an sshd stopped mid-run and started
// again within remote.reconnect_for (the run goes on and succeeds), or only after it (the run ends in error `lost
// host`, and what it left is killed and removed once the host is back, also across an engine restart).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      settings(s);
    },
  });
}

function outputOf(h: Harness, runId: string): string {
  return storedOutput(h.app, runId);
}

/** Prints `n` numbered lines, one every 0.1 s, on `host`, then `TAG done`. */
function counter(host: string, n: number, tag: string): string {
  return `program: {type: shell, host: ${host}, command: "for i in $(seq ${n}); do echo ${tag} $i; sleep 0.1; done; echo ${tag} done"}\n`;
}

function expected(n: number, tag: string): string {
  return `${Array.from({ length: n }, (_, i) => `${tag} ${i + 1}\n`).join('')}${tag} done\n`;
}

describe.skipIf(skipRemote())('remote recovery', () => {
  beforeAll(async () => {
    farm = await SshFarm.start(2);
  });
  afterAll(() => farm?.close());

  it('an sshd stopped mid-run and started again within reconnect_for: the run goes on and succeeds', async () => {
    const h = open({ 'count.yaml': counter('w1', 30, 'c'), 'other.yaml': counter('w2', 10, 'o') }, (s) => {
      s.remote.reconnect_for = 20;
    });
    try {
      const run = h.app.engine.createRun('count', {});
      await waitFor(h.app, run, 'running', 15_000);
      expect(await eventually(() => (h.app.engine.liveOutput(run.runId)?.length ?? 0) > 0, 5000)).toBe(true);
      farm.stopHost('w1');
      expect(
        await eventually(
          () => logOf(h.app, run.runId).some((l) => l.startsWith('host w1 unreachable since ')),
          5000,
        ),
      ).toBe(true);
      // Another host is not held up meanwhile.
      const other = h.app.engine.createRun('other', {});
      expect((await waitFor(h.app, other, FINISHED_STATES, 15_000)).state).toBe('success');
      expect(h.app.engine.runs.get(run.runId)?.state).toBe('running');
      await farm.startHost('w1');
      const done = await waitFor(h.app, run, FINISHED_STATES, 20_000);
      expect(done.state).toBe('success');
      expect(outputOf(h, run.runId)).toBe(expected(30, 'c'));
      const log = logOf(h.app, run.runId);
      expect(log.find((l) => l.startsWith('host w1 unreachable'))).toMatch(
        /^host w1 unreachable since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z, retrying$/,
      );
      expect(log).toContain('host w1 reachable again');
      expect(await eventually(() => farm.runFolders('w1').length === 0)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('past reconnect_for the run ends in error `lost host`; once the host is back its process is killed and its folder removed', async () => {
    const h = open(
      { 'long.yaml': 'program: {type: shell, host: w2, command: "echo started; sleep 303"}\n' },
      (s) => {
        s.remote.reconnect_for = 1.5;
      },
    );
    const sleeping = () => farm.processes('w2').filter((p) => p.cmdline === 'sleep 303');
    try {
      const run = h.app.engine.createRun('long', {});
      await waitFor(h.app, run, 'running', 15_000);
      expect(await eventually(() => sleeping().length === 1)).toBe(true);
      // Its first output is in before the host goes (the agent reads spools every 0.2 s).
      expect(await eventually(() => h.app.engine.liveOutput(run.runId)?.length === 8)).toBe(true);
      farm.stopHost('w2');
      const done = await waitFor(h.app, run, FINISHED_STATES, 15_000);
      expect(done.state).toBe('error');
      expect(logOf(h.app, run.runId).at(-1)).toBe('error: lost host w2');
      expect(outputOf(h, run.runId)).toBe('started\n');
      // The host is down: its process still runs there, and its folder is kept.
      expect(sleeping()).toHaveLength(1);
      expect(farm.runFolders('w2')).toHaveLength(1);
      await farm.startHost('w2');
      expect(await eventually(() => sleeping().length === 0, 15_000)).toBe(true);
      expect(await eventually(() => farm.runFolders('w2').length === 0, 5000)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('a process whose launch was never answered (the engine went) is killed and its folder removed after a restart', async () => {
    const h = open({});
    const sleeping = () => farm.processes('w2').filter((p) => p.cmdline === 'sleep 305');
    try {
      // What a launch does, stopped just after the request: the engine goes before the answer is recorded.
      const hosts = h.app.engine.deps.remote;
      if (hosts === undefined) throw new Error('the engine has no remote hosts');
      const conn = hosts.connection('w2');
      expect(await conn.connect()).toBeNull();
      const name = hosts.folderName('r999');
      hosts.beginLaunch('w2', `${conn.info?.base}/${name}`, 'r999');
      const reply = await conn.launch(name, ['sleep', '305'], {}, 0);
      expect(reply.ok).toBe(true);
      expect(await eventually(() => sleeping().length === 1)).toBe(true);
      expect(farm.runFolders('w2')).toEqual([name]);
      await h.reopen();
      expect(await eventually(() => sleeping().length === 0, 10_000)).toBe(true);
      expect(await eventually(() => farm.runFolders('w2').length === 0, 5000)).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('a cleanup due when the engine stops is done after its restart, once the host is back', async () => {
    const h = open({ 'long.yaml': 'program: {type: shell, host: w1, command: "sleep 304"}\n' }, (s) => {
      s.remote.reconnect_for = 1;
    });
    const sleeping = () => farm.processes('w1').filter((p) => p.cmdline === 'sleep 304');
    try {
      const run = h.app.engine.createRun('long', {});
      await waitFor(h.app, run, 'running', 15_000);
      expect(await eventually(() => sleeping().length === 1)).toBe(true);
      farm.stopHost('w1');
      expect((await waitFor(h.app, run, FINISHED_STATES, 15_000)).state).toBe('error');
      await h.reopen(undefined, () => farm.startHost('w1'));
      expect(await eventually(() => sleeping().length === 0, 15_000)).toBe(true);
      expect(await eventually(() => farm.runFolders('w1').length === 0, 5000)).toBe(true);
    } finally {
      await h.close();
    }
  });
});
