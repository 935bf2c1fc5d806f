// The in-memory run index (SPEC 13.4): an instance's runs whether it has one or several, as runs come and go.
import { describe, expect, it } from 'vitest';
import type { Run } from '../../main/engine/run.js';
import { RunIndex } from '../../main/engine/run-index.js';

function run(runId: string, jobId: string, args: Record<string, string>): Run {
  return {
    runId,
    jobId,
    args,
    state: 'success',
    timestamp: 0,
    expected: false,
    program: null,
    conds: [],
    actions: [],
    times: {},
    meta: {},
    runState: null,
    labels: [],
    slim: false,
  };
}

describe('RunIndex', () => {
  it('finds the runs of an instance with one, two and again one run, and none once all are gone', () => {
    const index = new RunIndex();
    const ids = (jobId: string, args: Record<string, string>) =>
      [...index.ofInstance(jobId, args)].map((r) => r.runId);
    const a = run('r1', 'etl', { date: '2027-01-01' });
    const b = run('r2', 'etl', { date: '2027-01-01' });
    const c = run('r3', 'etl', { date: '2027-01-02' });
    index.add(a);
    index.add(c);
    expect(ids('etl', { date: '2027-01-01' })).toEqual(['r1']);
    index.add(b);
    index.add(b); // twice is still once
    expect(ids('etl', { date: '2027-01-01' })).toEqual(['r1', 'r2']);
    index.remove(a);
    expect(ids('etl', { date: '2027-01-01' })).toEqual(['r2']);
    index.remove(b);
    expect(ids('etl', { date: '2027-01-01' })).toEqual([]);
    expect(ids('etl', { date: '2027-01-02' })).toEqual(['r3']);
    expect(ids('other', { date: '2027-01-02' })).toEqual([]);
    expect([...index.ofJob('etl')].map((r) => r.runId)).toEqual(['r3']);
  });
});
