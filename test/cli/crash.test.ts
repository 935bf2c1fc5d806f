// A crash of the engine loses nothing recorded (SPEC 13.3, 12.3): kill -9 `apsis serve` while runs are in flight,
// start it again, and every run it ever reported is there, none left running without a process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jobFolder } from '../helpers/folders.js';
import { ServeProcesses, type Served } from '../helpers/serve.js';

const procs = new ServeProcesses();
afterEach(() => {
  procs.killAll();
});

function serve(dir: string, db: string): Promise<Served> {
  return procs.start([dir, '--db', db, '--port', '0']);
}

type Runs = { runs: Record<string, { run_id: string; state: string }> };
const get = async (url: string): Promise<Runs> => (await fetch(url)).json() as Promise<Runs>;

describe('crash', () => {
  it('kill -9 during runs: after restart every reported run is present, finished or recovered, none stuck', async () => {
    const dir = jobFolder({
      'short.yaml': 'params: [n]\nprogram: "sleep 0.{{ n }}; echo {{ n }}"\n',
      'long.yaml': 'program: "sleep 1.5; echo long done"\n',
      'noop.yaml': 'program: {type: no-op, duration: 0.5}\n',
    });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-crash-')), 'apsis.db');
    const first = await serve(dir, db);
    const post = (body: unknown): Promise<Response> =>
      fetch(`${first.url}/api/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (let n = 1; n <= 9; n += 1) await post({ job_id: 'short', args: { n: String(n) } });
    const longId = Object.keys(((await (await post({ job_id: 'long' })).json()) as Runs).runs)[0] as string;
    await post({ job_id: 'noop' });
    // The kill must find the long run's process started: a run still `starting` is rightly ended in error at the
    // restart (nobody knows whether it started), and under load ten launches can take longer than a fixed pause.
    for (let i = 0; i < 100; i += 1) {
      const { state } = (await (await fetch(`${first.url}/api/v1/runs/${longId}/state`)).json()) as {
        state: string;
      };
      if (state === 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 400));
    const seen = await get(`${first.url}/api/v1/runs?summary=true`);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await serve(dir, db);
    let after: Runs = { runs: {} };
    for (let i = 0; i < 50; i += 1) {
      after = await get(`${second.url}/api/v1/runs?summary=true`);
      if (Object.values(after.runs).every((r) => ['success', 'failure', 'error'].includes(r.state))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const id of Object.keys(seen.runs)) expect(after.runs[id], `run ${id} lost`).toBeDefined();
    const states = Object.values(after.runs).map((r) => r.state);
    expect(states.filter((s) => !['success', 'failure', 'error'].includes(s))).toEqual([]);
    // Processes kept running under their supervisors and were followed again: the long run succeeded.
    const long = Object.values(after.runs).find((r) => (r as { job_id?: string }).job_id === 'long');
    expect(long?.state).toBe('success');
    second.child.kill('SIGTERM');
  });
});
