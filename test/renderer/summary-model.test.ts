// The console's view of the summary stream: an init spread over many frames, then live batches.
import { describe, expect, it } from 'vitest';
import type { SummaryMessage } from '../../shared/api/console-api.js';
import type { JobJson } from '../../shared/model/job.js';
import type { RunSummary } from '../../shared/model/run.js';
import type { RunState } from '../../shared/model/states.js';
import { FRAME_MESSAGES, SummaryModel } from '../../renderer/src/lib/summary-model.js';

function run(n: number, jobId: string, state: RunState, minute: number): RunSummary {
  return {
    run_id: `r${n}`,
    job_id: jobId,
    args: {},
    state,
    labels: [],
    times: { schedule: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString() },
  };
}

function job(jobId: string, nextTime: string | null = null): JobJson {
  return {
    job_id: jobId,
    file: `${jobId}.yaml`,
    params: [],
    schedule: [],
    program: { type: 'no-op' },
    condition: [],
    action: [],
    metadata: {},
    next_time: nextTime,
  } as unknown as JobJson;
}

const summaries = (from: number, count: number): SummaryMessage[] =>
  Array.from({ length: count }, (_, i) => ({
    type: 'run_summary' as const,
    run_summary: run(from + i, `job-${(from + i) % 7}`, 'success', (from + i) % 600),
  }));

describe('SummaryModel', () => {
  it('gathers a multi-frame init and loads it when a shorter frame ends it', () => {
    const m = new SummaryModel();
    m.reset();
    const first = m.apply([{ type: 'job', job: job('job-1') }, ...summaries(1, FRAME_MESSAGES - 1)]);
    expect(first).toEqual({ jobs: true, jobErrors: false, runs: false });
    expect(m.jobs.has('job-1')).toBe(true);
    expect(m.table.size).toBe(0);
    expect(m.loadingRuns).toBe(FRAME_MESSAGES - 1);
    expect(m.apply(summaries(FRAME_MESSAGES, FRAME_MESSAGES)).runs).toBe(false);
    expect(m.apply(summaries(2 * FRAME_MESSAGES, 10)).runs).toBe(true);
    expect(m.loadingRuns).toBeNull();
    expect(m.table.size).toBe(2 * FRAME_MESSAGES + 9);
    const times = m.table.slice(0, m.table.size).map((r) => r.times['schedule'] as string);
    expect(times.every((t, i) => i === 0 || (times[i - 1] as string) <= t)).toBe(true);
  });

  it('an init of exactly full frames ends on finishInit (the store calls it after a pause)', () => {
    const m = new SummaryModel();
    m.reset();
    m.apply(summaries(1, FRAME_MESSAGES));
    expect(m.loadingRuns).toBe(FRAME_MESSAGES);
    expect(m.finishInit()).toBe(true);
    expect(m.table.size).toBe(FRAME_MESSAGES);
    expect(m.finishInit()).toBe(false);
  });

  it('a transition during an init loads the init first, then applies on top of it', () => {
    const m = new SummaryModel();
    m.reset();
    m.apply(summaries(1, FRAME_MESSAGES));
    const applied = m.apply([
      { type: 'run_transition', run_summary: { ...run(1, 'job-1', 'failure', 1) } },
      { type: 'run_delete', run_id: 'r2' },
    ]);
    expect(applied.runs).toBe(true);
    expect(m.loadingRuns).toBeNull();
    expect(m.table.get('r1')?.state).toBe('failure');
    expect(m.table.get('r2')).toBeUndefined();
    expect(m.table.size).toBe(FRAME_MESSAGES - 1);
  });

  it('a reconnect replaces everything with the new init', () => {
    const m = new SummaryModel();
    m.reset();
    m.apply([{ type: 'job', job: job('old') }, ...summaries(1, 5)]);
    m.reset();
    m.apply([{ type: 'job', job: job('new') }, ...summaries(100, 2)]);
    expect([...m.jobs.keys()]).toEqual(['new']);
    expect(m.table.size).toBe(2);
    expect(m.table.get('r1')).toBeUndefined();
  });

  it('next scheduled time: the earliest scheduled run of the job, else its next_time', () => {
    const m = new SummaryModel();
    m.reset();
    m.apply([
      { type: 'job', job: job('a', '2026-02-01T00:00:00.000Z') },
      { type: 'job', job: job('b', '2026-03-01T00:00:00.000Z') },
      { type: 'run_summary', run_summary: run(1, 'a', 'scheduled', 30) },
      { type: 'run_summary', run_summary: run(2, 'a', 'scheduled', 20) },
      { type: 'run_summary', run_summary: run(3, 'b', 'success', 5) },
    ]);
    const next = m.nextScheduledAll();
    expect(next.get('a')).toBe(run(2, 'a', 'scheduled', 20).times['schedule']);
    expect(next.get('b')).toBe('2026-03-01T00:00:00.000Z');
    m.apply([{ type: 'run_transition', run_summary: run(2, 'a', 'running', 20) }]);
    expect(m.nextScheduledAll().get('a')).toBe(run(1, 'a', 'scheduled', 30).times['schedule']);
  });

  it("a job's last run is its latest run that is not scheduled", () => {
    const m = new SummaryModel();
    m.reset();
    m.apply([
      { type: 'run_summary', run_summary: run(1, 'a', 'success', 1) },
      { type: 'run_summary', run_summary: run(2, 'a', 'failure', 2) },
      { type: 'run_summary', run_summary: run(3, 'a', 'scheduled', 3) },
    ]);
    expect(m.lastRunOf('a')?.run_id).toBe('r2');
    m.apply([{ type: 'run_transition', run_summary: run(3, 'a', 'running', 3) }]);
    expect(m.lastRunOf('a')?.run_id).toBe('r3');
    expect(m.lastRunOf('b')).toBeUndefined();
  });
});
