// Remote hosts over SSH (SPEC 24) against real sshd: runs on each host, argv without a shell, errors naming the host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, waitFor, type Harness } from '../engine/harness.js';
import { SshFarm, skipRemote } from '../helpers/sshd.js';

let farm: SshFarm;

describe.skipIf(skipRemote())('remote hosts', () => {
  beforeAll(async () => {
    farm = await SshFarm.start(2);
  });
  afterAll(() => farm?.close());

  function open(files: Record<string, string>): Harness {
    return openApp(files, {
      settings: (s) => {
        s.remote.ssh_config = farm.sshConfig;
        s.remote.connect_timeout = 2;
        s.remote.reconnect_for = 3;
      },
    });
  }

  it('runs a shell command on each host, as its user, in its home', async () => {
    const h = open({
      'where.yaml': 'params: [host]\nprogram:\n  type: shell\n  host: "{{ host }}"\n  command: echo "$(whoami) $PWD $SSH_CONNECTION $APSIS_RUN_ID"\n',
    });
    try {
      for (const host of farm.hosts) {
        const run = h.app.engine.createRun('where', { host: host.name });
        const done = await waitFor(h.app, run, ['success', 'failure', 'error'], 15_000);
        const output = h.app.engine.store.readOutput(run.runId, 'output')?.data.toString();
        expect(done.state, output).toBe('success');
        expect(output).toBe(`${host.user} ${host.home} 127.0.0.1 ${output?.split(' ')[3]} ${host.address} ${host.port} ${run.runId}\n`);
        expect(done.meta['program']).toMatchObject({ host: host.name, username: host.user });
      }
    } finally {
      await h.close();
    }
  });
});
