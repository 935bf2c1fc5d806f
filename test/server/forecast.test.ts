// The forecast and the reload preview of SPEC 19.8 over HTTP: GET /api/v1/plan answers what `apsis plan --json` prints
// for the loaded jobs (with offsets and DST marks), bounded and streamed; a dry-run reload answers the runs of the next
// 7 days its edit adds and removes, and a real reload then plans exactly that.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanDiff, PlanEntry } from '../../shared/api/console-api.js';
import { planCommand } from '../../main/cli/plan.js';
import { ConsoleService } from '../../main/service/console-service.js';
import { openServer, type ServerHarness } from './server-harness.js';

let h: ServerHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const JOBS = {
  'etl/load.yaml':
    'params: [date]\nschedule:\n  - {type: daily, tz: America/New_York, daytime: "02:30:00"}\n  - {type: daily, tz: America/New_York, daytime: "05:00:00", enabled: false}\nprogram: {type: no-op}\n',
  'etl/publish.yaml':
    'params: [time, extra]\nschedule: {type: interval, interval: 6h, args: {extra: x, other: y}}\nprogram: {type: no-op}\n',
  'ops/poll.yaml': 'schedule: {type: cron, tz: Europe/London, expr: "30 1 * * *"}\nprogram: {type: no-op}\n',
};

const FROM = '2024-03-09T00:00:00Z';
const TO = '2024-03-12T00:00:00Z';

function cliPlan(dir: string, from: string, to: string): unknown {
  const lines: string[] = [];
  const status = planCommand([dir, '--from', from, '--to', to, '--json'], {
    out: (line) => lines.push(line),
    err: (line) => lines.push(`ERR ${line}`),
    now: () => Date.now(),
  });
  expect(status).toBe(0);
  return JSON.parse(lines.join('\n'));
}

const withoutMarks = (entries: PlanEntry[]): unknown =>
  entries.map(({ time, job_id, args }) => ({ time, job_id, args }));

describe('GET /api/v1/plan', () => {
  it('answers the JSON of `apsis plan --json` for the loaded jobs, with offsets and DST marks', async () => {
    h = await openServer(JOBS);
    const r = await h.get(`/api/v1/plan?from=${FROM}&to=${TO}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const plan = r.body as PlanEntry[];
    expect(withoutMarks(plan)).toEqual(cliPlan(h.dir, FROM, TO));
    // The disabled 05:00 schedule makes nothing; args are kept to the params.
    expect(plan.filter((e) => e.job_id === 'etl/load').map((e) => [e.time, e.offset, e.dst])).toEqual([
      ['2024-03-09T07:30:00.000Z', '-05:00', undefined],
      ['2024-03-10T07:30:00.000Z', '-04:00', 'shifted'], // 02:30 does not exist that night: 03:30 EDT
      ['2024-03-11T06:30:00.000Z', '-04:00', undefined],
    ]);
    expect(plan.find((e) => e.job_id === 'etl/publish')).toEqual({
      time: '2024-03-09T00:00:00.000Z',
      job_id: 'etl/publish',
      args: { extra: 'x', time: '2024-03-09T00:00:00+00:00' },
    });
    expect(plan.filter((e) => e.job_id === 'ops/poll').map((e) => e.offset)).toEqual([
      '+00:00',
      '+00:00',
      '+00:00',
    ]);
  });

  it('marks the repeated hour of a fall-back night, and filters by a fuzzy job ID', async () => {
    h = await openServer(JOBS);
    const r = await h.get('/api/v1/plan?from=2024-10-26T12:00:00Z&to=2024-10-28T00:00:00Z&job_id=poll');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { time: '2024-10-27T00:30:00.000Z', job_id: 'ops/poll', args: {}, offset: '+01:00', dst: 'repeated' },
    ]);
  });

  it('defaults to the next 24 hours', async () => {
    h = await openServer(JOBS);
    const before = Date.now();
    const plan = (await h.get('/api/v1/plan?job_id=etl/publish')).body as PlanEntry[];
    expect(plan).toHaveLength(4); // every 6 h
    for (const e of plan) {
      expect(Date.parse(e.time)).toBeGreaterThanOrEqual(before - 6 * 3_600_000);
      expect(Date.parse(e.time)).toBeLessThan(Date.now() + 24 * 3_600_000);
    }
  });

  it('refuses windows over 30 days, backwards or unparsable, and unknown jobs, naming the fix', async () => {
    h = await openServer(JOBS);
    const error = async (query: string): Promise<[number, string]> => {
      const r = await (h as ServerHarness).get(`/api/v1/plan?${query}`);
      return [r.status, (r.body as { error: string }).error];
    };
    expect(await error('from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:01Z')).toEqual([
      400,
      'the window is 745 hours; a forecast covers at most 30 days: bring from and to closer',
    ]);
    expect((await h.get('/api/v1/plan?from=2024-01-01T00:00:00Z&to=2024-01-31T00:00:00Z')).status).toBe(200);
    expect(await error(`from=${TO}&to=${FROM}`)).toEqual([
      400,
      `from must be earlier than to (from ${TO}, to ${FROM})`,
    ]);
    expect(await error('from=tomorrow')).toEqual([
      400,
      "from: 'tomorrow' is not an ISO 8601 time with an offset or Z",
    ]);
    expect(await error('to=0000-01-01T00:00:00Z')).toEqual([
      400,
      "to: '0000-01-01T00:00:00Z' is outside the years 1 to 9999",
    ]);
    expect(await error('job_id=nope')).toEqual([400, 'no job id match: nope']);
    expect(await error('job_id=etl')).toEqual([400, 'ambiguous job id: etl/load, etl/publish']);
  });

  it('is streamed a slice at a time: other requests are answered while a long plan is still being written', async () => {
    // 10 jobs every 10 s over 3 days: 259,200 runs, about 20 MB of JSON.
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i += 1)
      files[`many/job-${i}.yaml`] =
        `params: [time]\nschedule: {type: interval, interval: 10s}\nprogram: {type: no-op}\n`;
    h = await openServer(files);
    const response = await fetch(`${h.url}/api/v1/plan?from=2024-01-01T00:00:00Z&to=2024-01-04T00:00:00Z`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // The plan is far from written; the engine still answers.
    const alive = await h.get('/api/v1/alive');
    expect(alive.status).toBe(200);
    let bytes = first.value?.length ?? 0;
    let tail = '';
    for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) {
      bytes += chunk.value.length;
      tail = (tail + Buffer.from(chunk.value).toString()).slice(-200);
    }
    expect(bytes).toBeGreaterThan(15_000_000);
    expect(tail.endsWith('"job_id":"many/job-9","args":{"time":"2024-01-03T23:59:50+00:00"}}]')).toBe(true);

    // Made by the gate alone, with nobody reading slowly: the event loop still gets a turn every slice of runs.
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    let chunks = 0;
    for await (const chunk of new ConsoleService(h.app).planJson(
      '2024-01-01T00:00:00Z',
      '2024-01-04T00:00:00Z',
      null,
    ))
      chunks += chunk.length > 0 ? 1 : 0;
    ticking = false;
    expect(chunks).toBeGreaterThan(100);
    expect(turns).toBeGreaterThanOrEqual(Math.floor(259_200 / 2000));
  });
});

describe('POST /api/control/reload_jobs?dry_run=true', () => {
  const FOLDER = {
    'a.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n',
    'b.yaml':
      'params: [date]\nschedule: {type: daily, tz: UTC, daytime: "10:00:00"}\nprogram: {type: no-op}\n',
    'c.yaml': 'schedule: {type: interval, interval: 6h}\nprogram: {type: no-op}\n',
  };

  it('answers the runs of the next 7 days the edit adds and removes; the reload then plans exactly that', async () => {
    h = await openServer(FOLDER);
    writeFileSync(
      join(h.dir, 'a.yaml'),
      'schedule: {type: interval, interval: 2h}\nprogram: {type: no-op}\n',
    );
    writeFileSync(
      join(h.dir, 'b.yaml'),
      'params: [date]\nschedule: {type: daily, tz: UTC, daytime: "10:00:00"}\nprogram: "true"\n',
    );
    rmSync(join(h.dir, 'c.yaml'));
    writeFileSync(
      join(h.dir, 'd.yaml'),
      'schedule: {type: interval, interval: 12h}\nprogram: {type: no-op}\n',
    );

    const r = await h.post('/api/control/reload_jobs?dry_run=true');
    expect(r.status).toBe(200);
    const body = r.body as {
      added: string[];
      removed: string[];
      changed: string[];
      dry_run: boolean;
      plan_diff: PlanDiff;
    };
    expect([body.added, body.changed, body.removed, body.dry_run]).toEqual([['d'], ['a', 'b'], ['c'], true]);
    const diff = body.plan_diff;
    expect(Date.parse(diff.to) - Date.parse(diff.from)).toBe(7 * 86_400_000);
    const count = (list: PlanEntry[], job: string): number => list.filter((e) => e.job_id === job).length;
    // a: every hour → every 2 h drops the odd hours; b changed only its program; c goes; d comes.
    expect([count(diff.removed, 'a'), count(diff.removed, 'b'), count(diff.removed, 'c')]).toEqual([
      84, 0, 28,
    ]);
    expect([count(diff.added, 'a'), count(diff.added, 'b'), count(diff.added, 'd')]).toEqual([0, 0, 14]);
    expect(
      diff.removed.filter((e) => e.job_id === 'a').every((e) => new Date(e.time).getUTCHours() % 2 === 1),
    ).toBe(true);
    expect(diff.truncated).toEqual([]);
    const times = diff.removed.map((e) => e.time);
    expect([...times].sort()).toEqual(times); // plan order

    // Nothing changed yet: the plan of the loaded jobs is the old one.
    const window = `from=${diff.from}&to=${diff.to}`;
    const before = (await h.get(`/api/v1/plan?${window}`)).body as PlanEntry[];
    expect(count(before, 'c')).toBe(28);
    expect(count(before, 'd')).toBe(0);

    expect((await h.post('/api/control/reload_jobs')).status).toBe(200);
    const after = (await h.get(`/api/v1/plan?${window}`)).body as PlanEntry[];
    const key = (e: PlanEntry): string => JSON.stringify([e.time, e.job_id, e.args]);
    const removed = new Set(diff.removed.map(key));
    const expected = [...before.filter((e) => !removed.has(key(e))), ...diff.added].map(key).sort();
    expect(after.map(key).sort()).toEqual(expected);
  });

  it('lists at most 1000 runs of a job and names the job as truncated', async () => {
    h = await openServer({
      'fast.yaml': 'schedule: {type: interval, interval: 1m}\nprogram: {type: no-op}\n',
    });
    writeFileSync(
      join(h.dir, 'fast.yaml'),
      'schedule: {type: interval, interval: 1m, phase: 30s}\nprogram: {type: no-op}\n',
    );
    const diff = ((await h.post('/api/control/reload_jobs?dry_run=true')).body as { plan_diff: PlanDiff })
      .plan_diff;
    expect([diff.added.length, diff.removed.length, diff.truncated]).toEqual([1000, 1000, ['fast']]);
  });

  it('a dry_run that is neither true nor false is refused, and nothing is reloaded', async () => {
    h = await openServer(FOLDER);
    rmSync(join(h.dir, 'c.yaml'));
    for (const value of ['yes', 'maybe', 'on']) {
      const r = await h.post(`/api/control/reload_jobs?dry_run=${value}`);
      expect([r.status, (r.body as { error: string }).error]).toEqual([
        400,
        `dry_run must be true or false (1 or 0), not "${value}"`,
      ]);
    }
    expect(((await h.get('/api/v1/jobs')).body as { job_id: string }[]).map((j) => j.job_id).sort()).toEqual([
      'a',
      'b',
      'c',
    ]);
    const dry = (await h.post('/api/control/reload_jobs?dry_run=False')).body as {
      removed: string[];
      dry_run: boolean;
    };
    expect([dry.removed, dry.dry_run]).toEqual([['c'], false]);
  });

  it('a real reload answers no plan_diff', async () => {
    h = await openServer(FOLDER);
    const body = (await h.post('/api/control/reload_jobs')).body as Record<string, unknown>;
    expect(body).toEqual({ added: [], removed: [], changed: [], errors: [], dry_run: false });
  });
});
