// What needs a person (SPEC 19.8): GET /api/v1/attention counts failures and errors of the window from the database
// (runs retired from memory and history older than the engine's memory included), overdue runs, long waits and
// broken files, and each filter it answers opens exactly the runs it counted in GET /api/v1/runs.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Attention, RunFilter } from '../../shared/api/console-api.js';
import type { RunSummary } from '../../shared/model/run.js';
import { retireRuns } from '../../main/engine/retire.js';
import { waitFor } from '../engine/harness.js';
import { jobFolder } from '../helpers/folders.js';
import { openServer, type ServerHarness } from './server-harness.js';

let h: ServerHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const JOBS = {
  'fail.yaml': 'params: [n]\nprogram: {type: no-op, success: false}\n',
  'err.yaml': 'program: {type: no-op, success: null}\n',
  'slot.yaml': 'program: {type: no-op, duration: 1h}\ncondition: {type: max_running, count: 1}\n',
  'stubborn.yaml': `program: {type: shell, command: "trap '' TERM; sleep 30", stop: {grace_period: 60s}}\n`,
  'broken.yaml': 'program: {type: shel}\n',
};

/** GET /api/v1/runs with a filter as the attention answer gives it; the run IDs and states listed. */
async function list(server: ServerHarness, filter: RunFilter): Promise<RunSummary[]> {
  const q = new URLSearchParams({ summary: 'true' });
  for (const [key, value] of Object.entries(filter))
    for (const v of [value as string | string[]].flat()) q.append(key, v);
  const r = await server.get(`/api/v1/runs?${q.toString()}`);
  expect(r.status).toBe(200);
  return Object.values((r.body as { runs: Record<string, RunSummary> }).runs);
}

async function schedule(server: ServerHarness, body: unknown): Promise<string> {
  const r = await server.post('/api/v1/runs', body);
  expect(r.status).toBe(200);
  return Object.keys((r.body as { runs: Record<string, unknown> }).runs)[0] as string;
}

describe('GET /api/v1/attention', () => {
  it('counts from the database and gives the filter that lists exactly those runs', async () => {
    h = await openServer(JOBS, {
      warn: () => {},
      settings: (s) => {
        s.waiting.warn_after = 1;
        s.runs.max_in_memory = 1;
      },
    });
    const { app } = h;
    // A failure two hours ago, recorded before this engine's time: in the database only.
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    app.engine.atomic(() =>
      app.store.upsertRun({
        run_id: app.store.nextRunId(),
        timestamp: twoHoursAgo / 1000,
        job_id: 'fail',
        args: { n: 'old' },
        state: 'failure',
        program: null,
        times: { failure: new Date(twoHoursAgo).toISOString() },
        meta: {},
        run_state: null,
        conds: [],
        actions: [],
      }),
    );
    const failed = [];
    for (const n of ['1', '2', '3']) failed.push(await schedule(h, { job_id: 'fail', args: { n } }));
    const errored = await schedule(h, { job_id: 'err' });
    for (const id of [...failed, errored]) await waitFor(app, id, ['failure', 'error']);
    const slot1 = await schedule(h, { job_id: 'slot' });
    const slot2 = await schedule(h, { job_id: 'slot' });
    await waitFor(app, slot1, 'running');
    await waitFor(app, slot2, 'waiting');
    const stubborn = await schedule(h, {
      job_id: 'stubborn',
      times: { stop: new Date(Date.now() + 1000).toISOString() },
    });
    await waitFor(app, stubborn, 'stopping', 10_000);
    // Finished runs leave memory (max_in_memory 1): the counts and the lists still find them.
    expect(await retireRuns(app.engine)).toBeGreaterThanOrEqual(3);
    expect(failed.filter((id) => app.engine.runs.get(id) === undefined).length).toBeGreaterThanOrEqual(2);

    let now: Attention | undefined;
    for (let i = 0; i < 100; i += 1) {
      now = (await h.get('/api/v1/attention')).body as Attention;
      if (now.waiting_long === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const a = now as Attention;
    expect(a).toMatchObject({
      window: '1h',
      failures: 3,
      errors: 1,
      overdue: 1,
      waiting_long: 1,
      unreachable_hosts: 0,
      load_errors: 1,
      warn_after: 1,
    });
    expect(Date.parse(a.now) - Date.parse(a.since)).toBe(3_600_000);
    expect(a.filters).toEqual({
      failures: { state: 'failure', since: a.since },
      errors: { state: 'error', since: a.since },
      overdue: { state: ['running', 'stopping'], stop_before: a.now },
      waiting_long: { state: 'waiting', before: new Date(Date.parse(a.now) - 1000).toISOString() },
      unreachable_hosts: { hosts: [] },
      load_errors: { files: ['broken.yaml'] },
    });
    const ids = async (filter: RunFilter): Promise<string[]> =>
      (await list(h as ServerHarness, filter)).map((r) => r.run_id).sort();
    expect(await ids(a.filters.failures)).toEqual([...failed].sort());
    expect(await ids(a.filters.errors)).toEqual([errored]);
    expect(await ids(a.filters.overdue)).toEqual([stubborn]);
    expect(await ids(a.filters.waiting_long as RunFilter)).toEqual([slot2]);

    // A day: the old failure counts too, and its list shows it from the database.
    const day = (await h.get('/api/v1/attention?window=24h')).body as Attention;
    expect([day.window, day.failures, day.errors]).toEqual(['24h', 4, 1]);
    const dayList = await list(h, day.filters.failures);
    expect(dayList).toHaveLength(4);
    expect(dayList.find((r) => r.args['n'] === 'old')?.state).toBe('failure');

    // A new failure counts at once; marked success, it leaves the count and the list alike.
    const fresh = await schedule(h, { job_id: 'fail', args: { n: '4' } });
    await waitFor(app, fresh, 'failure');
    expect(((await h.get('/api/v1/attention')).body as Attention).failures).toBe(4);
    expect((await h.post(`/api/v1/runs/${fresh}/mark/success`)).status).toBe(200);
    const after = (await h.get('/api/v1/attention')).body as Attention;
    expect(after.failures).toBe(3);
    expect(await ids(after.filters.failures)).toEqual([...failed].sort());
    expect(await h.get('/api/v1/attention?window=1w')).toMatchObject({
      status: 400,
      body: { error: "window: '1w' is not one of 1h, 24h, 7d" },
    });
    await h.post(`/api/v1/runs/${stubborn}/signal/KILL`);
    await waitFor(app, stubborn, ['success', 'failure', 'error'], 10_000);
  }, 30_000);

  it('counts a remote host that cannot be reached, and names it', async () => {
    // A host whose address refuses connections: the first run there finds it down (SPEC 24.2).
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const found = (probe.address() as { port: number }).port;
        probe.close(() => resolve(found));
      });
    });
    const config = join(jobFolder({}), 'ssh_config');
    writeFileSync(config, `Host gone\n  HostName 127.0.0.1\n  Port ${port}\n`);
    h = await openServer(
      { 'far.yaml': 'program: {type: shell, host: gone, command: "echo never"}\n' },
      {
        warn: () => {},
        settings: (s) => {
          s.remote.ssh_config = config;
          s.remote.connect_timeout = 2;
        },
      },
    );
    expect(((await h.get('/api/v1/attention')).body as Attention).unreachable_hosts).toBe(0);
    const run = await schedule(h, { job_id: 'far' });
    await waitFor(h.app, run, 'error', 15_000);
    const a = (await h.get('/api/v1/attention')).body as Attention;
    expect([a.unreachable_hosts, a.filters.unreachable_hosts, a.errors]).toEqual([1, { hosts: ['gone'] }, 1]);
  }, 30_000);
});
