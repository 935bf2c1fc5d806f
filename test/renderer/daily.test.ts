// Pure helpers of the day-to-day console (SPEC 19.8): view state in the URL, bulk operations, honest charts, job
// history.
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/model/run.js';
import type { RunState } from '../../shared/model/states.js';
import { appliesTo, bulkOps, bulkPlan, listRuns, rangeBetween } from '../../renderer/src/lib/bulk.js';
import { rates, withGaps, type ChartData } from '../../renderer/src/lib/chart-data.js';
import { jobHistory, median } from '../../renderer/src/lib/job-history.js';
import { RunTable } from '../../renderer/src/lib/run-table.js';
import { runElapsed } from '../../renderer/src/lib/run-times.js';
import { pageTitle } from '../../renderer/src/lib/title.js';
import {
  isFiltered,
  parseRoute,
  routeHash,
  runFilterOf,
  runListParams,
  runListParamsOf,
  runListState,
  to,
} from '../../renderer/src/lib/view-state.js';

function run(id: number, state: RunState, times: Record<string, string>, job = 'etl/load'): RunSummary {
  return { run_id: `r${id}`, job_id: job, args: {}, state, times, labels: [] };
}

describe('view state in the URL', () => {
  it('reads and writes each screen with its query', () => {
    expect(parseRoute('#/runs?state=failure,error&order=asc&zone=UTC')).toEqual({
      view: 'runs',
      id: '',
      params: { state: 'failure,error', order: 'asc', zone: 'UTC' },
    });
    expect(parseRoute('#/jobs/etl/load%20orders?window=30d')).toEqual({
      view: 'job',
      id: 'etl/load orders',
      params: { window: '30d' },
    });
    expect(parseRoute('#/runs/r3051')).toEqual({ view: 'run', id: 'r3051', params: {} });
    expect(parseRoute('#/nowhere')).toEqual({ view: 'dashboard', id: '', params: {} });
    expect(parseRoute('')).toEqual({ view: 'dashboard', id: '', params: {} });
    // The older job link still opens the run list filtered to the job.
    expect(parseRoute('#/runs/job:etl%2Fload').params).toEqual({ job: 'etl/load' });
    expect(to.job('etl/load orders', { window: '30d' })).toBe('#/jobs/etl/load%20orders?window=30d');
    expect(to.runs({ state: 'failure', job: '' })).toBe('#/runs?state=failure');
    expect(to.dashboard()).toBe('#/');
  });

  it('round-trips any route, hostile text included', () => {
    for (const hash of [
      '#/runs?job=a%26b&q=x+y&args=k%3Dv',
      '#/jobs/a/b?q=%3Cimg%3E',
      '#/runs/r1',
      '#/export',
      '#/folder?zone=Asia%2FTokyo',
    ]) {
      const route = parseRoute(hash);
      expect(parseRoute(routeHash(route))).toEqual(route);
    }
    // Bad percent-encoding in the path is taken as it is, not thrown.
    expect(parseRoute('#/jobs/%E0%A4%A').id).toBe('%E0%A4%A');
  });

  it('keeps the run list filter, order and time bound, and drops unknown states and bad times', () => {
    const s = runListState({
      job: 'etl/',
      state: 'failure,bogus,error',
      order: 'asc',
      since: '2026-01-01T00:00:00Z',
    });
    expect(s.states).toEqual(['failure', 'error']);
    expect(s.descending).toBe(false);
    expect(runListState({ since: 'yesterday-ish' }).since).toBe('');
    expect(runListState(runListParams(s))).toEqual(s);
    expect(isFiltered(s)).toBe(true);
    expect(isFiltered(runListState({}))).toBe(false);
    const f = runFilterOf(s);
    expect(f.since).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(f.jobPrefix).toBe('etl/');
  });

  it('filters runs by when they entered their state', () => {
    const table = new RunTable();
    table.reset([
      run(1, 'failure', { schedule: '2026-01-01T00:00:00Z', failure: '2026-01-01T00:30:00Z' }),
      run(2, 'failure', { schedule: '2026-01-01T01:00:00Z', failure: '2026-01-01T02:30:00Z' }),
      run(3, 'success', { schedule: '2026-01-01T02:00:00Z', success: '2026-01-01T02:40:00Z' }),
    ]);
    table.setFilter(runFilterOf(runListState({ state: 'failure', since: '2026-01-01T02:00:00Z' })));
    expect(table.slice(0, 10).map((r) => r.run_id)).toEqual(['r2']);
    table.setFilter(runFilterOf(runListState({ before: '2026-01-01T01:00:00Z' })));
    expect(table.slice(0, 10).map((r) => r.run_id)).toEqual(['r1']);
  });

  it('filters runs past their stop time (overdue)', () => {
    const table = new RunTable();
    table.reset([
      run(1, 'running', { schedule: '2026-01-01T00:00:00Z', stop: '2026-01-01T01:00:00Z' }),
      run(2, 'running', { schedule: '2026-01-01T00:00:00Z', stop: '2026-01-01T03:00:00Z' }),
      run(3, 'running', { schedule: '2026-01-01T00:00:00Z' }),
    ]);
    const s = runListState({ state: 'running,stopping', stop_before: '2026-01-01T02:00:00Z' });
    expect(runListState(runListParams(s))).toEqual(s);
    table.setFilter(runFilterOf(s));
    expect(table.slice(0, 10).map((r) => r.run_id)).toEqual(['r1']);
  });

  it("an attention count's filter opens the run list on exactly its runs", () => {
    const table = new RunTable();
    table.reset([
      run(1, 'running', {
        schedule: '2026-01-01T00:00:00Z',
        running: '2026-01-01T00:00:01Z',
        stop: '2026-01-01T01:00:00Z',
      }),
      run(2, 'stopping', {
        schedule: '2026-01-01T00:00:00Z',
        stopping: '2026-01-01T01:00:00Z',
        stop: '2026-01-01T01:00:00Z',
      }),
      run(3, 'running', {
        schedule: '2026-01-01T00:00:00Z',
        running: '2026-01-01T00:00:01Z',
        stop: '2026-01-01T05:00:00Z',
      }),
      run(4, 'success', {
        schedule: '2026-01-01T00:00:00Z',
        success: '2026-01-01T00:30:00Z',
        stop: '2026-01-01T01:00:00Z',
      }),
    ]);
    const params = runListParamsOf({
      state: ['running', 'stopping'],
      stop_before: '2026-01-01T02:00:00.000Z',
    });
    expect(to.runs(params)).toBe('#/runs?state=running%2Cstopping&stop_before=2026-01-01T02%3A00%3A00.000Z');
    table.setFilter(runFilterOf(runListState(parseRoute(to.runs(params)).params)));
    expect(table.slice(0, 10).map((r) => r.run_id)).toEqual(['r1', 'r2']);
    expect(runListParamsOf({ state: 'failure', since: '2026-01-01T00:00:00.000Z' })).toMatchObject({
      state: 'failure',
      since: '2026-01-01T00:00:00.000Z',
    });
  });

  it('the forecast is a screen of its own, with its window, start and job', () => {
    expect(parseRoute('#/plan?window=7d&job=etl%2Fload')).toEqual({
      view: 'plan',
      id: '',
      params: { window: '7d', job: 'etl/load' },
    });
    expect(to.plan({ job: 'etl/load', window: '7d', from: '' })).toBe('#/plan?job=etl%2Fload&window=7d');
  });

  it('titles name the screen and the object', () => {
    expect(pageTitle('r3051 failure', 'etl/load-orders')).toBe('r3051 failure · etl/load-orders · Apsis');
    expect(pageTitle('Runs', null, '')).toBe('Runs · Apsis');
  });
});

describe('many runs at once', () => {
  const runs = [
    run(1, 'scheduled', {}),
    run(2, 'waiting', {}),
    run(3, 'running', {}),
    run(4, 'failure', {}),
    run(5, 'success', {}),
  ];
  it('applies each operation only to the states it is for', () => {
    expect(bulkPlan(runs, 'skip').apply.map((r) => r.run_id)).toEqual(['r1', 'r2']);
    expect(bulkPlan(runs, 'stop').apply.map((r) => r.run_id)).toEqual(['r3']);
    expect(bulkPlan(runs, 'rerun').apply.map((r) => r.run_id)).toEqual(['r4', 'r5']);
    expect(bulkPlan(runs, 'mark success').apply.map((r) => r.run_id)).toEqual(['r4']);
    expect(bulkPlan(runs, 'mark success').leave).toHaveLength(4);
    expect(appliesTo('mark failure', 'failure')).toBe(false);
    expect(bulkOps([runs[0] as RunSummary])).toEqual(['skip']);
    expect(bulkOps([runs[3] as RunSummary])).toEqual(['rerun', 'mark success', 'mark error', 'mark skipped']);
  });

  it('says which runs, briefly', () => {
    expect(listRuns(runs.slice(0, 2))).toBe('r1 (etl/load), r2 (etl/load)');
    expect(listRuns(runs, 2)).toBe('r1 (etl/load), r2 (etl/load) and 3 more');
    expect(rangeBetween(7, 3)).toEqual([3, 7]);
  });
});

describe('charts that tell the truth', () => {
  it('a restart (counter going down) starts a new segment instead of a negative rate', () => {
    const data: ChartData = [
      [0, 10, 20, 30, 40],
      [5, 6, 7, 0.5, 1.5],
    ];
    const r = rates(data)[1];
    expect(r).toEqual([null, 0.1, 0.1, null, 0.1]);
    expect((r ?? []).every((v) => v === null || v >= 0)).toBe(true);
  });

  it('an outage gets a gap: a null point between the samples around it', () => {
    const data: ChartData = [
      [0, 10, 20, 30, 10_830, 10_840],
      [1, 2, 3, 4, 5, 6],
    ];
    const [xs, ys] = withGaps(data);
    expect(xs).toEqual([0, 10, 20, 30, 5430, 10_830, 10_840]);
    expect(ys).toEqual([1, 2, 3, 4, null, 5, 6]);
    // Regular samples get none.
    expect(
      withGaps([
        [0, 10, 20],
        [1, 2, 3],
      ]),
    ).toEqual([
      [0, 10, 20],
      [1, 2, 3],
    ]);
    expect(withGaps([[], []])).toEqual([[], []]);
  });
});

describe('job history', () => {
  const at = (m: number): string => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
  const runs = [
    run(1, 'success', { schedule: at(0), running: at(0), success: at(2) }),
    run(2, 'success', { schedule: at(10), running: at(10), success: at(14) }),
    run(3, 'failure', { schedule: at(20), running: at(20), failure: at(21) }),
    run(4, 'skipped', { schedule: at(30), skipped: at(30) }),
    run(5, 'error', { schedule: at(40), running: at(40), error: at(46) }),
    run(6, 'scheduled', { schedule: at(60) }),
    run(7, 'scheduled', { schedule: at(50) }),
    run(8, 'running', { schedule: at(45), running: at(45) }),
  ];

  it('orders by time, newest first, the next scheduled ones above', () => {
    const h = jobHistory(runs, 0);
    expect(h.upcoming.map((r) => r.run_id)).toEqual(['r6', 'r7']);
    expect(h.past.map((r) => r.run_id)).toEqual(['r8', 'r5', 'r4', 'r3', 'r2', 'r1']);
  });

  it('counts success rate, durations and the failure streak over the window', () => {
    const h = jobHistory(runs, 0);
    expect([h.success, h.failed, h.skipped]).toEqual([2, 2, 1]);
    expect(h.successRate).toBe(0.5);
    // Durations 120, 240, 60, 360 s.
    expect(h.p50).toBe(180);
    expect(h.max).toBe(360);
    // The skipped run between the failure and the error does not break the streak.
    expect(h.streak).toBe(2);
    expect(h.strip.map((s) => s.state)).toEqual(['success', 'success', 'failure', 'skipped', 'error']);
    expect(h.chart[0]).toHaveLength(4);
    expect(h.chart[1]).toEqual([120, 240, null, null]);
    expect(h.chart[2]).toEqual([null, null, 60, 360]);
  });

  it('a window leaves out older runs; no runs means no figures', () => {
    const h = jobHistory(runs, Date.parse(at(15)));
    expect([h.success, h.failed]).toEqual([0, 2]);
    expect(h.successRate).toBe(0);
    const none = jobHistory([], 0);
    expect([none.successRate, none.p50, none.max, none.streak]).toEqual([null, null, null, 0]);
    expect(median([1, 2, 3])).toBe(2);
  });

  it('elapsed counts while running and stops at the end', () => {
    expect(runElapsed({ running: at(0) }, Date.parse(at(3)))).toBe(180);
    expect(runElapsed({ running: at(0), failure: at(1) }, Date.parse(at(3)))).toBe(60);
    expect(runElapsed({ schedule: at(0) }, 0)).toBeNull();
  });
});
