// `apsis serve` as an operator runs it (SPEC 18.3, AC-26, AC-29): a real process on a loopback port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { APSIS_BIN, jobFolder } from '../helpers/folders.js';

const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts `apsis serve` and resolves with its URL once it prints `listening on`. */
function serve(
  args: string[],
): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [APSIS_BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`no listening line; stdout ${out} stderr ${err}`)),
      10_000,
    );
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.\d+:\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string, exited });
      }
    });
    child.on('exit', () => reject(new Error(`exited early; stdout ${out} stderr ${err}`)));
  });
}

const json = async (r: Response): Promise<unknown> => r.json();

describe('apsis serve', () => {
  it('AC-26: serves on a free port, exits 0 on SIGTERM, and recovers a running shell run at the next start', async () => {
    const dir = jobFolder({ 'sleeper.yaml': 'program: "sleep 1.5; echo done"\n' });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-serve-')), 'apsis.db');
    const first = await serve([dir, '--db', db, '--port', '0']);
    expect(await json(await fetch(`${first.url}/api/v1/alive`))).toEqual({});
    const created = (await json(
      await fetch(`${first.url}/api/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: 'sleeper' }),
      }),
    )) as {
      runs: Record<string, { run_id: string }>;
    };
    const runId = Object.keys(created.runs)[0] as string;
    // A running run (not one still starting: that one ends in error at the next start, SPEC 12.3).
    let before = '';
    for (let i = 0; i < 100 && before !== 'running'; i += 1) {
      before = ((await json(await fetch(`${first.url}/api/v1/runs/${runId}/state`))) as { state: string })
        .state;
      if (before !== 'running') await new Promise((r) => setTimeout(r, 20));
    }
    expect(before).toBe('running');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await serve([dir, '--db', db, '--port', '0']);
    let state = '';
    for (let i = 0; i < 50 && state !== 'success'; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      state = ((await json(await fetch(`${second.url}/api/v1/runs/${runId}/state`))) as { state: string })
        .state;
    }
    expect(state).toBe('success');
    const log = (await json(await fetch(`${second.url}/api/v1/runs/${runId}/log`))) as {
      run_log: { message: string }[];
    };
    expect(log.run_log.map((e) => e.message)).toContain('reconnecting');
    const out = await (await fetch(`${second.url}/api/v1/runs/${runId}/output/output`)).text();
    expect(out).toBe('done\n');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('refuses a non-loopback host without a token (exit 2), and a file that is not a database (exit 1)', () => {
    const dir = jobFolder({ 'x.yaml': 'program: {type: no-op}\n' });
    const open = spawnSync(process.execPath, [APSIS_BIN, 'serve', dir, '--host', '0.0.0.0', '--port', '0'], {
      encoding: 'utf8',
      timeout: 10_000,
      env: { ...process.env, APSIS_TOKEN: '' },
    });
    expect(open.status).toBe(2);
    expect(open.stderr).toMatch(/--token/);
    const notDb = spawnSync(
      process.execPath,
      [APSIS_BIN, 'serve', dir, '--db', join(dir, 'x.yaml'), '--port', '0'],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(notDb.status).toBe(1);
    expect(notDb.stderr).toMatch(/not an Apsis Console database/);
  });

  it('shuts down within 10 s with a long run in flight, which the next start follows again (SPEC 12.4)', async () => {
    const dir = jobFolder({ 'long.yaml': 'program: "sleep 300"\n' });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-serve-')), 'apsis.db');
    const first = await serve([dir, '--db', db, '--port', '0']);
    const post = await fetch(`${first.url}/api/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ job_id: 'long' }),
    });
    const runId = Object.keys(((await post.json()) as { runs: object }).runs)[0] as string;
    let state = '';
    for (let i = 0; i < 100 && state !== 'running'; i += 1) {
      state = ((await json(await fetch(`${first.url}/api/v1/runs/${runId}/state`))) as { state: string })
        .state;
      if (state !== 'running') await new Promise((r) => setTimeout(r, 20));
    }
    expect((await fetch(`${first.url}/api/control/shut_down`, { method: 'POST' })).status).toBe(200);
    const code = await Promise.race([
      first.exited,
      new Promise((r) => setTimeout(() => r('still up'), 10_000)),
    ]);
    expect(code).toBe(0);
    const second = await serve([dir, '--db', db, '--port', '0']);
    expect(
      ((await json(await fetch(`${second.url}/api/v1/runs/${runId}/state`))) as { state: string }).state,
    ).toBe('running');
    // Stop it (SIGTERM, the stop signal: success) so no sleep is left behind.
    expect((await fetch(`${second.url}/api/v1/runs/${runId}/stop`, { method: 'POST' })).status).toBe(200);
    for (let i = 0; i < 100 && state !== 'success'; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      state = ((await json(await fetch(`${second.url}/api/v1/runs/${runId}/state`))) as { state: string })
        .state;
    }
    expect(state).toBe('success');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 40_000);

  it('serves on another loopback address without a token, and admits that address in the Host check', async () => {
    const dir = jobFolder({ 'x.yaml': 'program: {type: no-op}\n' });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-serve-')), 'apsis.db');
    const served = await serve([dir, '--db', db, '--host', '127.0.0.2', '--port', '0']);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    expect(await json(await fetch(`${served.url}/api/v1/alive`))).toEqual({});
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  });

  it('never shows its token: not on stdout or stderr, not to jobs; a wrong token is not echoed either', async () => {
    const SECRET = 'tok-SECRET-41f9';
    const WRONG = 'wrong-SECRET-77c2';
    const dir = jobFolder({ 'env.yaml': 'program: "env; echo end"\n' });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-serve-')), 'apsis.db');
    const child = spawn(process.execPath, [APSIS_BIN, 'serve', dir, '--db', db, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, APSIS_TOKEN: SECRET },
    });
    children.push(child);
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    await expect.poll(() => /listening on (\S+)/.exec(logs)?.[1], { timeout: 10_000 }).toBeDefined();
    const url = /listening on (\S+)/.exec(logs)?.[1] as string;
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const refused = await fetch(`${url}/api/v1/jobs`, { headers: as(WRONG) });
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain(WRONG);
    const created = (await json(
      await fetch(`${url}/api/v1/runs`, {
        method: 'POST',
        headers: { ...as(SECRET), 'content-type': 'application/json' },
        body: '{"job_id": "env"}',
      }),
    )) as { runs: Record<string, unknown> };
    const runId = Object.keys(created.runs)[0] as string;
    let output = '';
    await expect
      .poll(
        async () => {
          const r = await fetch(`${url}/api/v1/runs/${runId}/output/output`, { headers: as(SECRET) });
          output = r.ok ? await r.text() : '';
          return output.includes('end');
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(output).toMatch(/^APSIS_RUN_ID=/m);
    expect(output).not.toContain(SECRET);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(WRONG);
  });

  it('POST /api/control/shut_down answers {} before the server closes, then exits 0', async () => {
    const dir = jobFolder({ 'x.yaml': 'program: {type: no-op}\n' });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-serve-')), 'apsis.db');
    const served = await serve([dir, '--db', db, '--port', '0']);
    const r = await fetch(`${served.url}/api/control/shut_down`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({});
    expect(await served.exited).toBe(0);
  });

  it('AC-29: a clock older than schedule.max_age exits 2 naming the ways on; since=now starts without catch-up', async () => {
    const dir = jobFolder({
      'tick.yaml': 'schedule: {type: interval, interval: 60}\nprogram: {type: no-op}\n',
    });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-serve-')), 'apsis.db');
    const first = await serve([dir, '--db', db, '--port', '0']);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const raw = new Database(db);
    raw.prepare('UPDATE clock SET time = ?').run(Date.now() / 1000 - 7200);
    raw.close();
    const refused = spawnSync(
      process.execPath,
      [APSIS_BIN, 'serve', dir, '--db', db, '--port', '0', '-o', 'schedule.max_age=1h'],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/schedule\.max_age/);
    expect(refused.stderr).toMatch(/schedule\.since=now/);
    const resumed = await serve([
      dir,
      '--db',
      db,
      '--port',
      '0',
      '-o',
      'schedule.max_age=1h',
      '-o',
      'schedule.since=now',
    ]);
    const runs = (await json(await fetch(`${resumed.url}/api/v1/runs?summary=true`))) as {
      runs: Record<string, { state: string }>;
    };
    expect(Object.values(runs.runs).filter((r) => r.state !== 'scheduled')).toEqual([]);
    resumed.child.kill('SIGTERM');
    expect(await resumed.exited).toBe(0);
  });
});
