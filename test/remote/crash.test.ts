// kill -9 of `apsis serve` while remote runs are in flight (SPEC 24.2, 12.3): after a restart every run is followed
// again on its host and ends with its whole output, and nothing is left in the run folders.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../procs/helpers.js';
import { jobFolder } from '../helpers/folders.js';
import { ServeProcesses, type Served } from '../helpers/serve.js';
import { SshFarm, skipRemote } from '../helpers/sshd.js';

let farm: SshFarm;
const procs = new ServeProcesses();
afterEach(() => {
  procs.killAll();
});

function serve(dir: string, db: string): Promise<Served> {
  const options = [
    `remote.ssh_config=${farm.sshConfig}`,
    'remote.connect_timeout=2s',
    'remote.reconnect_for=10s',
    'host_groups={pool: {type: round-robin, hosts: [w1, w2]}}',
  ].flatMap((o) => ['-o', o]);
  return procs.start([dir, '--db', db, '--port', '0', ...options]);
}

type Runs = { runs: Record<string, { run_id: string; state: string }> };

describe.skipIf(skipRemote())('remote runs across an engine crash', () => {
  beforeAll(async () => {
    farm = await SshFarm.start(2);
  });
  afterAll(() => farm?.close());

  it('kill -9 during remote runs: after the restart every run is reattached and ends with its whole output', async () => {
    const dir = jobFolder({
      'count.yaml': [
        'params: [n]',
        'program:',
        '  type: shell',
        '  host: pool',
        '  command: "for i in $(seq 15); do echo {{ n }} $i; sleep 0.1; done; echo {{ n }} on $SSH_CONNECTION"',
        '',
      ].join('\n'),
    });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-remote-crash-')), 'apsis.db');
    const first = await serve(dir, db);
    const ids: string[] = [];
    for (let n = 1; n <= 6; n += 1) {
      const res = await fetch(`${first.url}/api/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: 'count', args: { n: String(n) } }),
      });
      const body = (await res.json()) as Runs;
      ids.push(...Object.keys(body.runs));
    }
    expect(ids).toHaveLength(6);
    const runningAll = async (url: string): Promise<boolean> => {
      const runs = ((await (await fetch(`${url}/api/v1/runs?summary=true`)).json()) as Runs).runs;
      return ids.every((id) => runs[id]?.state === 'running');
    };
    for (let i = 0; i < 100 && !(await runningAll(first.url)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await runningAll(first.url)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await new Promise((r) => setTimeout(r, 300));

    const second = await serve(dir, db);
    let runs: Runs['runs'] = {};
    for (let i = 0; i < 150; i += 1) {
      runs = ((await (await fetch(`${second.url}/api/v1/runs?summary=true`)).json()) as Runs).runs;
      if (ids.every((id) => ['success', 'failure', 'error'].includes(runs[id]?.state ?? ''))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const [i, id] of ids.entries()) {
      expect(runs[id]?.state, id).toBe('success');
      const output = await (await fetch(`${second.url}/api/v1/runs/${id}/output/output`)).text();
      const n = i + 1;
      const host = farm.host(i % 2 === 0 ? 'w1' : 'w2');
      const lines = Array.from({ length: 15 }, (_, k) => `${n} ${k + 1}\n`).join('');
      expect(output).toMatch(
        new RegExp(
          `^${lines}${n} on 127\\.0\\.0\\.1 \\d+ ${host.address.replace(/\./g, '\\.')} ${host.port}\\n$`,
        ),
      );
      const body = (await (await fetch(`${second.url}/api/v1/runs/${id}/log`)).json()) as {
        run_log: { message: string }[];
      };
      const log = body.run_log.map((e) => e.message);
      expect(log).toContain('reconnecting');
    }
    for (const host of farm.hosts)
      expect(await eventually(() => farm.runFolders(host.name).length === 0, 5000)).toBe(true);
    second.child.kill('SIGTERM');
  });
});
