// The console's incremental run list: order, filters and updates as an operator sees them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matches, NO_FILTER, parseArgFilter, RunTable } from '../../renderer/src/lib/run-table.js';
import type { RunSummary } from '../../shared/model/run.js';
import type { RunState } from '../../shared/model/states.js';

function run(
  n: number,
  jobId: string,
  state: RunState,
  minute: number,
  args: Record<string, string> = {},
): RunSummary {
  return {
    run_id: `r${n}`,
    job_id: jobId,
    args,
    state,
    labels: jobId.startsWith('etl') ? ['etl'] : [],
    times: { schedule: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString() },
  };
}

const ids = (t: RunTable): string[] => t.slice(0, t.filteredSize).map((r) => r.run_id);

describe('RunTable', () => {
  it('keeps runs sorted by schedule time, then run number, through inserts, updates and deletes', () => {
    const t = new RunTable();
    t.reset([run(3, 'a', 'scheduled', 30), run(1, 'a', 'success', 10), run(2, 'b', 'failure', 10)]);
    expect(ids(t)).toEqual(['r1', 'r2', 'r3']);
    t.upsert(run(4, 'a', 'scheduled', 20));
    t.upsert(run(1, 'a', 'error', 10));
    expect(ids(t)).toEqual(['r1', 'r2', 'r4', 'r3']);
    expect(t.get('r1')?.state).toBe('error');
    t.remove('r2');
    expect(ids(t)).toEqual(['r1', 'r4', 'r3']);
    expect(t.countByState()).toEqual({ error: 1, scheduled: 2 });
  });

  it('applies filters incrementally: a run that changes state enters or leaves the filtered list', () => {
    const t = new RunTable();
    t.reset([
      run(1, 'etl/load', 'running', 1),
      run(2, 'reports/pnl', 'running', 2),
      run(3, 'etl/load', 'scheduled', 3),
    ]);
    t.setFilter({ ...NO_FILTER, jobPrefix: 'etl/', states: ['running'] });
    expect(ids(t)).toEqual(['r1']);
    t.upsert(run(3, 'etl/load', 'running', 3));
    expect(ids(t)).toEqual(['r1', 'r3']);
    t.upsert(run(1, 'etl/load', 'success', 1));
    expect(ids(t)).toEqual(['r3']);
    t.setFilter(NO_FILTER);
    expect(t.filteredSize).toBe(3);
  });

  it('handles 100,000 runs and a batch of 1,000 transitions without re-sorting', () => {
    const t = new RunTable();
    const runs = Array.from({ length: 100_000 }, (_, i) =>
      run(i + 1, `job-${i % 100}`, 'scheduled', i % 5000),
    );
    t.reset(runs);
    for (let i = 0; i < 1000; i += 1) t.upsert({ ...(runs[i * 50] as RunSummary), state: 'success' });
    expect(t.size).toBe(100_000);
    expect(t.countByState()['success']).toBe(1000);
    const sorted = t.slice(0, 100_000).map((r) => Date.parse(r.times['schedule'] as string));
    expect(sorted.every((v, i) => i === 0 || (sorted[i - 1] as number) <= v)).toBe(true);
  });
});

describe('filters', () => {
  it('parses arg filters: k=v requires equality, a bare k presence', () => {
    expect(parseArgFilter('date=2026-01-01  color')).toEqual([
      ['date', '2026-01-01'],
      ['color', null],
    ]);
    const r = run(1, 'etl/load', 'success', 0, { date: '2026-01-01', color: 'red' });
    expect(matches(r, { ...NO_FILTER, args: parseArgFilter('date=2026-01-01 color') })).toBe(true);
    expect(matches(r, { ...NO_FILTER, args: parseArgFilter('date=2026-01-02') })).toBe(false);
    expect(matches(r, { ...NO_FILTER, args: parseArgFilter('flavor') })).toBe(false);
    expect(matches(r, { ...NO_FILTER, keywords: ['LOAD'], labels: ['etl'] })).toBe(true);
    expect(matches(r, { ...NO_FILTER, labels: ['reports'] })).toBe(false);
  });
});

describe('RunTable indexes', () => {
  it('counts by state, runs of a job and scheduled runs follow every change', () => {
    const t = new RunTable();
    t.reset([run(1, 'a', 'scheduled', 30), run(2, 'a', 'scheduled', 20), run(3, 'b', 'running', 5)]);
    expect(t.countByState()).toEqual({ scheduled: 2, running: 1 });
    expect(t.nextScheduled()).toEqual(new Map([['a', run(2, 'a', 'scheduled', 20).times['schedule']]]));
    t.upsert(run(2, 'a', 'running', 20));
    t.upsert(run(3, 'b', 'success', 5));
    expect(t.countByState()).toEqual({ scheduled: 1, running: 1, success: 1 });
    expect(t.nextScheduled().get('a')).toBe(run(1, 'a', 'scheduled', 30).times['schedule']);
    t.remove('r1');
    expect(t.nextScheduled().size).toBe(0);
    expect([...t.runsOfJob('a')].map((r) => r.run_id)).toEqual(['r2']);
    expect([...t.runsOfJob('b')].map((r) => r.state)).toEqual(['success']);
    expect([...t.runsOfJob('nobody')]).toEqual([]);
  });

  it('a run sent twice in one init counts once, with its later summary', () => {
    const t = new RunTable();
    t.reset([run(1, 'a', 'scheduled', 30), run(1, 'a', 'running', 10)]);
    expect(t.size).toBe(1);
    expect(t.countByState()).toEqual({ running: 1 });
    expect(ids(t)).toEqual(['r1']);
  });

  it('latest runs ignore the run list filter', () => {
    const t = new RunTable();
    t.reset([run(1, 'a', 'success', 1), run(2, 'b', 'failure', 2), run(3, 'a', 'scheduled', 3)]);
    t.setFilter({ ...NO_FILTER, jobPrefix: 'a' });
    const finished = (r: RunSummary): boolean => r.state !== 'scheduled';
    expect(t.latest(5, finished).map((r) => r.run_id)).toEqual(['r2', 'r1']);
    expect(t.latest(1, finished).map((r) => r.run_id)).toEqual(['r2']);
  });

  it('stays equal to sorting and filtering from scratch through any sequence of changes', () => {
    const jobs = ['etl/load', 'etl/publish', 'reports/pnl'];
    const states: RunState[] = ['scheduled', 'running', 'success', 'failure'];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('upsert' as const),
        n: fc.integer({ min: 1, max: 6 }),
        job: fc.constantFrom(...jobs),
        state: fc.constantFrom(...states),
        minute: fc.integer({ min: 0, max: 1 }),
      }),
      fc.record({ kind: fc.constant('remove' as const), n: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ kind: fc.constant('reload' as const), reversed: fc.boolean() }),
      fc.record({
        kind: fc.constant('filter' as const),
        prefix: fc.constantFrom('', 'etl/', 'reports'),
        states: fc.subarray(states),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const t = new RunTable();
        const model = new Map<string, RunSummary>();
        let filter = NO_FILTER;
        for (const o of ops) {
          if (o.kind === 'upsert') {
            const r = run(o.n, o.job, o.state, o.minute);
            t.upsert(r);
            model.set(r.run_id, r);
          } else if (o.kind === 'remove') {
            t.remove(`r${o.n}`);
            model.delete(`r${o.n}`);
          } else if (o.kind === 'reload') {
            const runs = [...model.values()];
            t.reset(o.reversed ? runs.reverse() : runs);
          } else {
            filter = { ...NO_FILTER, jobPrefix: o.prefix, states: o.states };
            t.setFilter(filter);
          }
        }
        const expected = [...model.values()]
          .filter((r) => matches(r, filter))
          .sort(
            (a, b) =>
              Date.parse(a.times['schedule'] as string) - Date.parse(b.times['schedule'] as string) ||
              Number(a.run_id.slice(1)) - Number(b.run_id.slice(1)),
          )
          .map((r) => r.run_id);
        expect(ids(t)).toEqual(expected);
        expect(t.size).toBe(model.size);
        const counts: Record<string, number> = {};
        for (const r of model.values()) counts[r.state] = (counts[r.state] ?? 0) + 1;
        expect(t.countByState()).toEqual(counts);
        for (const job of jobs)
          expect(new Set([...t.runsOfJob(job)].map((r) => r.run_id))).toEqual(
            new Set([...model.values()].filter((r) => r.job_id === job).map((r) => r.run_id)),
          );
      }),
      { numRuns: 500 },
    );
  });
});

describe('RunTable reset', () => {
  it('sorts runs given out of order, and a run given twice ends in the place of its later summary', () => {
    const t = new RunTable();
    t.setFilter({ ...NO_FILTER, states: ['success'] });
    t.reset([
      run(1, 'a', 'success', 10),
      run(2, 'a', 'success', 20),
      run(3, 'a', 'failure', 5),
      run(4, 'a', 'success', 1),
    ]);
    expect(ids(t)).toEqual(['r4', 'r1', 'r2']);
    t.reset([run(1, 'a', 'success', 10), run(2, 'a', 'success', 20), run(1, 'a', 'success', 30)]);
    expect(ids(t)).toEqual(['r2', 'r1']);
    expect(t.size).toBe(2);
  });
});
