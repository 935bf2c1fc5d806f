// After `apsis import-apsis-db`, a real `apsis serve` shows Apsis's history (SPEC 18.6): the runs, their logs and
// outputs over the API, dependency conditions that see the imported runs, and a clock that goes on from Apsis's.
import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { APSIS_BIN } from '../helpers/folders.js';
import { ServeProcesses, type Served } from '../helpers/serve.js';
import { apsis, FIXTURE, fixtureCopy } from './helpers.js';

const procs = new ServeProcesses();
afterEach(() => {
  procs.killAll();
});

/** The fixture's job folder, plus two jobs that depend on runs of demo/hello. */
function jobsWithDependents(dir: string): string {
  const jobs = join(dir, 'jobs');
  cpSync(join(FIXTURE, 'jobs'), jobs, { recursive: true });
  for (const who of ['world', 'nobody'])
    writeFileSync(
      join(jobs, 'demo', `after-${who}.yaml`),
      `condition:\n  - {type: dependency, job_id: demo/hello, args: {who: ${who}}}\nprogram: {type: no-op}\n`,
    );
  return jobs;
}

function serve(args: string[]): Promise<Served> {
  return procs.start([...args, '--port', '0']);
}

interface RunJson {
  run_id: string;
  job_id: string;
  args: Record<string, string>;
  state: string;
  times: Record<string, string>;
  program: { type: string; argv?: string[]; str?: string } | null;
}

async function get<T>(url: string): Promise<T> {
  const r = await fetch(url);
  expect(r.status, url).toBe(200);
  return (await r.json()) as T;
}

async function waitForState(url: string, runId: string, want: string): Promise<string> {
  let state = '';
  for (let i = 0; i < 100 && state !== want; i += 1) {
    await new Promise((r) => setTimeout(r, 100));
    state = (await get<{ state: string }>(`${url}/api/v1/runs/${runId}/state`)).state;
  }
  return state;
}

describe('apsis serve on an imported Apsis database', () => {
  it('lists the imported runs with their logs and outputs, and dependencies see them', async () => {
    const { dir, source } = fixtureCopy();
    // Apsis stopped 12 s ago in this copy (the recording's clock is hours old): the catch-up stays small.
    const clock = Math.floor(Date.now() / 1000) - 12;
    const db = new Database(source);
    db.prepare('UPDATE clock SET time = ?').run(clock);
    // An ad hoc job as Apsis's Job.to_jso() stores it.
    db.prepare('INSERT INTO jobs (job_id, job) VALUES (?, ?)').run(
      'adhoc-AbCdEfGhIjKl',
      JSON.stringify({
        job_id: 'adhoc-AbCdEfGhIjKl',
        params: [],
        schedule: [],
        program: { type: 'shell', command: 'echo once' },
        condition: [],
        action: [],
        metadata: { labels: [] },
        ad_hoc: true,
      }),
    );
    db.close();
    const target = join(dir, 'ours.db');
    const imported = apsis('import-apsis-db', source, '--db', target);
    expect([imported.status, imported.stderr]).toEqual([0, '']);

    const server = await serve([jobsWithDependents(dir), '--db', target]);
    const { url } = server;
    const { runs } = await get<{ runs: Record<string, RunJson> }>(`${url}/api/v1/runs`);
    for (const id of [
      'r2',
      'r15',
      'r17282',
      'r17283',
      'r17284',
      'r17285',
      'r17286',
      'r17287',
      'r17288',
      'r17289',
    ])
      expect(Object.keys(runs)).toContain(id);
    expect(runs['r17282']).toMatchObject({
      job_id: 'demo/hello',
      args: { who: 'world' },
      state: 'success',
      times: { schedule: '2026-12-02T04:23:37.798Z', success: '2026-12-02T04:23:38.398Z' },
      program: {
        type: 'program',
        argv: ['/bin/bash', '-c', 'echo hello world; echo to stderr >&2'],
        str: "/bin/bash -c 'echo hello world; echo to stderr >&2'",
      },
    });
    expect([runs['r17284']?.state, runs['r17285']?.state, runs['r17288']?.state]).toEqual([
      'failure',
      'error',
      'skipped',
    ]);

    const log = await get<{ run_log: { timestamp: string; message: string }[] }>(
      `${url}/api/v1/runs/r17289/log`,
    );
    expect(log.run_log.map((e) => e.message)).toEqual([
      'scheduled: now',
      'starting',
      'scheduled as rerun of r17284',
      'running',
      'failure: program failed: status 768',
    ]);
    expect(log.run_log[0]?.timestamp).toBe('2026-12-02T04:23:51.262Z');
    expect(await (await fetch(`${url}/api/v1/runs/r17282/output/output`)).text()).toBe(
      'hello world\nto stderr\n',
    );

    // The run Apsis was running: in error, saying so in its log and output.
    expect(runs['r17286']?.state).toBe('error');
    const longLog = await get<{ run_log: { message: string }[] }>(`${url}/api/v1/runs/r17286/log`);
    expect(longLog.run_log.at(-1)?.message).toBe(
      'error: imported from Apsis while running; its process is not followed',
    );
    expect(await (await fetch(`${url}/api/v1/runs/r17286/output/output`)).text()).toBe(
      'imported from Apsis while running; its process is not followed\n',
    );

    // The run scheduled for 2031 is back in the schedule, as after a restart.
    expect(runs['r17287']).toMatchObject({
      state: 'scheduled',
      times: { schedule: '2031-01-01T00:00:00.000Z' },
    });
    const futureLog = await get<{ run_log: { message: string }[] }>(`${url}/api/v1/runs/r17287/log`);
    expect(futureLog.run_log.map((e) => e.message)).toEqual([
      'scheduled: 2031-01-01T00:00:00+00:00',
      'restored',
    ]);

    // Dependency conditions see the imported runs: demo/hello who=world succeeded under Apsis; who=nobody never ran.
    const post = async (jobId: string): Promise<string> => {
      const r = await fetch(`${url}/api/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: jobId }),
      });
      expect(r.status).toBe(200);
      return Object.keys(((await r.json()) as { runs: Record<string, unknown> }).runs)[0] as string;
    };
    const afterWorld = await post('demo/after-world');
    const afterNobody = await post('demo/after-nobody');
    expect(Number(afterWorld.slice(1))).toBeGreaterThanOrEqual(17345); // new IDs go on from Apsis's next_run_id
    expect(await waitForState(url, afterWorld, 'success')).toBe('success');
    expect((await get<{ state: string }>(`${url}/api/v1/runs/${afterNobody}/state`)).state).toBe('waiting');

    // The clock goes on from Apsis's: demo/tick (every 5 s) catches up from there, not from the start of serve.
    const ticks = await get<{ runs: Record<string, RunJson> }>(`${url}/api/v1/runs?job_id=demo/tick`);
    const caughtUp = Object.values(ticks.runs)
      .filter((r) => Number(r.run_id.slice(1)) >= 17345)
      .map((r) => Date.parse(r.times['schedule'] as string) / 1000)
      .sort((a, b) => a - b);
    expect(caughtUp[0]).toBe(Math.ceil(clock / 5) * 5);

    // The ad hoc job came over.
    const adhoc = await get<{ job_id: string; program: { command: string } }>(
      `${url}/api/v1/jobs/adhoc-AbCdEfGhIjKl`,
    );
    expect(adhoc).toMatchObject({ job_id: 'adhoc-AbCdEfGhIjKl', program: { command: 'echo once' } });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 60_000);

  it('refuses to import into a database an engine is serving, though it has no runs yet', async () => {
    const { dir, source } = fixtureCopy();
    const target = join(dir, 'ours.db');
    const server = await serve([join(FIXTURE, 'jobs'), '--db', target, '-o', 'schedule.since=now']);
    const r = apsis('import-apsis-db', source, '--db', target);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^apsis import-apsis-db: ${target} is in use by another Apsis Console engine \\(pid ${server.child.pid}\\)`,
      ),
    );
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it("measures schedule.max_age from Apsis's clock", () => {
    const { dir, source } = fixtureCopy();
    const target = join(dir, 'ours.db');
    expect(apsis('import-apsis-db', source, '--db', target).status).toBe(0);
    // The recording's clock, 2026-12-02T04:24:48.006Z, is older than a minute: serve refuses to catch up blindly.
    const r = spawnSync(
      process.execPath,
      [APSIS_BIN, 'serve', join(FIXTURE, 'jobs'), '--db', target, '--port', '0', '-o', 'schedule.max_age=60'],
      { encoding: 'utf8', timeout: 15_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /the scheduler last ran \d+ s ago \(2026-12-02T04:24:48\.006Z\), more than schedule\.max_age \(60 s\)/,
    );
  });
});
