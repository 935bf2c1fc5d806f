// Stats history over HTTP (SPEC 17.4, 17.5, AC-27): JSON history with downsampling, CSV identical to
// `apsis stats-csv`, and /metrics.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { flattenStats } from '../../shared/stats/schema.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { apsis, openStatsServer, REQUIRED_FIELDS, type StatsServer } from './stats-harness.js';

const T0 = Date.parse('2024-06-03T12:00:00Z');
const S0 = T0 / 1000;

let h: StatsServer | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Entry = { time: number; stats: Record<string, unknown> };

/** An engine sampling every second on a FakeClock, advanced by `seconds`. */
async function sampled(seconds: number): Promise<StatsServer> {
  const clock = new FakeClock(T0);
  h = await openStatsServer({}, { clock, settings: (s) => (s.stats.interval = 1) });
  await clock.advance(seconds * 1000);
  return h;
}

function csvRows(text: string): string[][] {
  return parse(text);
}

describe('GET /api/v1/stats/history', () => {
  it('AC-27: with stats.interval 1 s, 5 s give at least 4 samples holding every non-optional field', async () => {
    const sh = await sampled(5);
    const r = await sh.get('/api/v1/stats/history');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const entries = r.body as Entry[];
    expect(entries.length).toBeGreaterThanOrEqual(4);
    expect(entries.map((e) => e.time)).toEqual([1, 2, 3, 4, 5].map((i) => S0 + i));
    for (const e of entries) {
      const flat = flattenStats(e.stats);
      for (const field of REQUIRED_FIELDS) expect(flat, field).toHaveProperty([field]);
      expect(typeof flat['async.latency']).toBe('number');
      expect(Date.parse(flat['time'] as string) / 1000).toBe(e.time);
    }
  });

  it('keeps from <= time < to, with ISO times or the epoch seconds it returns', async () => {
    const sh = await sampled(6);
    const iso = (s: number): string => new Date((S0 + s) * 1000).toISOString();
    const byIso = await sh.get(`/api/v1/stats/history?from=${iso(2)}&to=${iso(5)}`);
    expect((byIso.body as Entry[]).map((e) => e.time - S0)).toEqual([2, 3, 4]);
    const bySeconds = await sh.get(`/api/v1/stats/history?from=${S0 + 2}&to=${S0 + 5}`);
    expect(bySeconds.text).toBe(byIso.text);
    const open = await sh.get(
      `/api/v1/stats/history?from=${encodeURIComponent('2024-06-03T14:00:04+02:00')}`,
    );
    expect((open.body as Entry[]).map((e) => e.time - S0)).toEqual([4, 5, 6]);
    expect((await sh.get(`/api/v1/stats/history?from=${iso(9)}`)).body).toEqual([]);
  });

  it('step: one entry per bucket at its first time, numeric fields at their maximum, others from the last', async () => {
    h = await openStatsServer({}, { clock: new FakeClock(T0) });
    const store = h.app.store;
    const sample = (t: number, n: number, extra: Record<string, unknown> = {}): void =>
      store.insertStats(S0 + t, {
        time: new Date((S0 + t) * 1000).toISOString(),
        version: `v${t}`,
        tasks: { num_running: n, num_waiting: 10 - n },
        ...extra,
      });
    sample(0, 3, { only_early: { count: 9 } });
    sample(1, 7);
    sample(2, 5);
    sample(3, 1);
    sample(4, 2);
    const r = await h.get(`/api/v1/stats/history?from=${S0}&to=${S0 + 10}&step=2`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      {
        time: S0,
        stats: {
          time: new Date((S0 + 1) * 1000).toISOString(),
          version: 'v1',
          tasks: { num_running: 7, num_waiting: 7 },
          only_early: { count: 9 },
        },
      },
      {
        time: S0 + 2,
        stats: {
          time: new Date((S0 + 3) * 1000).toISOString(),
          version: 'v3',
          tasks: { num_running: 5, num_waiting: 9 },
        },
      },
      {
        time: S0 + 4,
        stats: {
          time: new Date((S0 + 4) * 1000).toISOString(),
          version: 'v4',
          tasks: { num_running: 2, num_waiting: 8 },
        },
      },
    ]);
    // Buckets count from `from`, or from the oldest sample when it is absent.
    const shifted = await h.get(`/api/v1/stats/history?from=${S0 + 1}&step=2`);
    expect(
      (shifted.body as Entry[]).map((e) => [
        e.time - S0,
        (e.stats['tasks'] as Record<string, number>)['num_running'],
      ]),
    ).toEqual([
      [1, 7],
      [3, 2],
    ]);
    const fromOldest = await h.get('/api/v1/stats/history?step=2');
    expect(fromOldest.text).toBe(r.text);
  });

  it('bad from, to or step: 400 with a message naming the parameter', async () => {
    h = await openStatsServer({}, { clock: new FakeClock(T0) });
    for (const [query, word] of [
      ['from=yesterday', 'from'],
      ['to=2024-06-03T12:00:00', 'to'],
      ['step=0', 'step'],
      ['step=-5', 'step'],
      ['step=1m', 'step'],
      ['from=2024-06-04T00:00:00Z&to=2024-06-03T00:00:00Z', 'from'],
    ] as const) {
      const r = await h.get(`/api/v1/stats/history?${query}`);
      expect(r.status, query).toBe(400);
      expect((r.body as { error: string }).error, query).toMatch(new RegExp(`^${word}`));
    }
    expect((await h.get('/api/v1/stats/history.csv?from=nope')).status).toBe(400);
  });
});

describe('GET /api/v1/stats/history.csv and apsis stats-csv', () => {
  it('AC-27: the same bytes from both, header `time` then sorted dotted names, empty cells for missing fields', async () => {
    const sh = await sampled(5);
    const store = sh.app.store;
    // A field added later (a newer engine), and strings that need quoting.
    store.insertStats(S0 + 5.5, {
      time: new Date((S0 + 5.5) * 1000).toISOString(),
      tasks: { num_running: 2 },
      zz_added: { count: 7 },
      note: 'a, "quoted"\r\nline',
      list: [1, 'two'],
      flag: true,
      missing: null,
    });
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 10_000).toISOString();
    const http = await sh.get(`/api/v1/stats/history.csv?from=${from}&to=${to}`);
    expect(http.status).toBe(200);
    expect(http.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const cli = apsis('stats-csv', '--db', sh.dbPath, '--from', from, '--to', to);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout.equals(http.bytes)).toBe(true);
    const outFile = join(mkdtempSync(join(tmpdir(), 'apsis-csv-')), 'stats.csv');
    expect(apsis('stats-csv', '--db', sh.dbPath, '--from', from, '--to', to, '--out', outFile).status).toBe(
      0,
    );
    expect(readFileSync(outFile).equals(http.bytes)).toBe(true);

    expect(http.text.endsWith('\r\n')).toBe(true);
    expect(
      http.text
        .replace(/"[^"]*"/g, '')
        .split('\r\n')
        .every((line) => !line.includes('\n')),
    ).toBe(true);
    const [header, ...rows] = csvRows(http.text);
    expect(header?.[0]).toBe('time');
    const names = header?.slice(1) ?? [];
    expect(names).toEqual([...names].sort());
    expect(names).not.toContain('time');
    expect(names).toEqual(
      expect.arrayContaining(['async.latency', 'tasks.num_running', 'zz_added.count', 'note']),
    );
    expect(rows).toHaveLength(6);
    const column = (name: string): string[] => rows.map((row) => row[names.indexOf(name) + 1] ?? '?');
    expect(rows.map((row) => row[0])).toEqual(
      [1, 2, 3, 4, 5, 5.5].map((s) => new Date((S0 + s) * 1000).toISOString()),
    );
    expect(column('zz_added.count')).toEqual(['', '', '', '', '', '7']);
    expect(column('note').at(-1)).toBe('a, "quoted"\r\nline');
    expect(column('list').at(-1)).toBe('[1,"two"]');
    expect(column('flag').at(-1)).toBe('true');
    expect(column('missing').at(-1)).toBe('');
    expect(column('version').at(-1)).toBe('');
    expect(column('tasks.num_running')).toEqual(['0', '0', '0', '0', '0', '2']);
    expect(Number(column('async.latency')[0])).toBe(0);
  });

  it('an empty range gives the header line only; the range is half-open', async () => {
    const sh = await sampled(3);
    const empty = await sh.get('/api/v1/stats/history.csv?from=2030-01-01T00:00:00Z');
    expect(empty.text).toBe('time\r\n');
    const one = await sh.get(`/api/v1/stats/history.csv?from=${S0 + 2}&to=${S0 + 3}`);
    expect(csvRows(one.text).map((row) => row[0])).toEqual(['time', new Date(T0 + 2000).toISOString()]);
    const cli = apsis('stats-csv', '--db', sh.dbPath, '--from', '2030-01-01T00:00:00Z');
    expect(cli.stdout.toString()).toBe('time\r\n');
  });
});

describe('GET /metrics', () => {
  it('gives the stats figures as Prometheus gauges', async () => {
    const sh = await sampled(2);
    const r = await sh.get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = r.text.trimEnd().split('\n');
    expect(lines).toContain('# TYPE apsis_async_latency_seconds gauge');
    expect(lines).toContain('apsis_async_latency_seconds 0');
    expect(lines).toContain('apsis_tasks_num_running 0');
    expect(lines).toContain('apsis_scheduled_num_entries 0');
    expect(lines.some((l) => /^apsis_heap_used_bytes \d+$/.test(l))).toBe(true);
    for (const line of lines.filter((l) => !l.startsWith('#')))
      expect(line).toMatch(/^apsis_[a-zA-Z0-9_]+ -?[\d.e+-]+$/);
  });

  it('requires the token like /api/ when one is set', async () => {
    h = await openStatsServer({}, { clock: new FakeClock(T0), token: 'sekrit' });
    expect((await h.get('/metrics')).status).toBe(401);
    expect((await h.get('/api/v1/stats/history')).status).toBe(401);
    const ok = await h.get('/metrics', { authorization: 'Bearer sekrit' });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('apsis_run_store_num_runs 0');
  });
});
