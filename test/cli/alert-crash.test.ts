// Alerts are delivered at least once (SPEC 19.8): kill -9 `apsis serve` after a failure's transition was committed and
// while its webhook is in flight; the next start delivers it again with the same Idempotency-Key and the same body.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jobFolder } from '../helpers/folders.js';
import { ServeProcesses, type Served } from '../helpers/serve.js';
import { HttpReceiver } from '../helpers/receivers.js';

const procs = new ServeProcesses();
const receivers: HttpReceiver[] = [];
afterEach(async () => {
  procs.killAll();
  for (const r of receivers.splice(0)) await r.close();
});

function serve(dir: string, db: string): Promise<Served> {
  return procs.start([dir, '--db', db, '--port', '0']);
}

describe('alert delivery across a crash', () => {
  it('kill -9 while a webhook is in flight: the next start repeats it with the same key, then logs it delivered', async () => {
    // The first request is held unanswered (the engine is killed meanwhile); the next one is answered.
    const hook = await HttpReceiver.start(['hang', 200]);
    receivers.push(hook);
    const dir = jobFolder({
      'load.yaml': `params: [date]\nprogram: "echo loading {{ date }}; exit 3"\naction: {type: webhook, url: "${hook.url}/alert"}\n`,
    });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-alert-crash-')), 'apsis.db');
    const first = await serve(dir, db);
    const created = (await (
      await fetch(`${first.url}/api/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: 'load', args: { date: '2024-06-03' } }),
      })
    ).json()) as { runs: Record<string, unknown> };
    const runId = Object.keys(created.runs)[0] as string;
    await hook.waitFor(1);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await serve(dir, db);
    await hook.waitFor(2);
    const [before, after] = hook.received;
    expect(after?.headers['idempotency-key']).toBe(before?.headers['idempotency-key']);
    expect(before?.headers['idempotency-key']).toMatch(new RegExp(`^${runId}/failure/\\d+/0$`));
    expect(after?.body).toBe(before?.body);
    expect(JSON.parse(after?.body ?? '')).toMatchObject({
      run_id: runId,
      state: 'failure',
      output: 'loading 2024-06-03\n',
    });

    let log: string[] = [];
    for (let i = 0; i < 100 && !log.some((m) => m.includes('attempt 1 of 4: HTTP 200')); i += 1) {
      const r = (await (await fetch(`${second.url}/api/v1/runs/${runId}/log`)).json()) as {
        run_log: { message: string }[];
      };
      log = r.run_log.map((e) => e.message);
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(log).toContain(`webhook to ${hook.url}: attempt 1 of 4: HTTP 200 OK`);
    expect(log.filter((m) => m.startsWith('error'))).toEqual([]);
    const state = (await (await fetch(`${second.url}/api/v1/runs/${runId}/state`)).json()) as {
      state: string;
    };
    expect(state.state).toBe('failure');
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    // Delivered once answered: a third start sends nothing more.
    const third = await serve(dir, db);
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.received).toHaveLength(2);
    third.child.kill('SIGTERM');
  }, 40_000);
});
