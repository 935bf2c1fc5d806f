// The console's incremental run list: order, filters and updates as an operator sees them.
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
