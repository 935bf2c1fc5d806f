// The compact rows of a summary init (?init&compact=1): a run read back from its row is the summary a full init sends.
import { describe, expect, it } from 'vitest';
import { CompactDecoder, CompactEncoder, type RunFields } from '../../shared/api/compact-runs.js';
import type { RunSummary } from '../../shared/model/run.js';

/** The summary the server's full init sends for these fields (times as ISO text of whole milliseconds). */
function fullSummary(f: RunFields): RunSummary {
  const times: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.times)) times[k] = new Date(v).toISOString();
  return {
    job_id: f.jobId,
    args: f.args,
    run_id: f.runId,
    state: f.state,
    times,
    labels: f.labels,
    ...(f.extra ?? {}),
  };
}

const t = Date.UTC(2026, 2, 8, 7, 0, 0, 123);
const RUNS: RunFields[] = [
  {
    runId: 'r1',
    jobId: 'etl/load',
    state: 'success',
    args: { date: '2026-03-08' },
    labels: ['etl'],
    times: { new: t, schedule: t, running: t + 5, success: t + 1500.7 },
    extra: undefined,
  },
  {
    runId: 'r2',
    jobId: 'etl/load',
    state: 'scheduled',
    args: { date: '2026-03-09' },
    labels: ['etl'],
    times: { new: t, schedule: t + 86_400_000 },
    extra: { expected: true },
  },
  {
    runId: 'r3',
    jobId: 'remote/job',
    state: 'running',
    args: {},
    labels: [],
    times: { running: t - 10 },
    extra: { host: 'db1' },
  },
  {
    runId: 'r4',
    jobId: 'after',
    state: 'waiting',
    args: { who: 'x' },
    labels: [],
    times: { new: t, waiting: t },
    extra: { dependencies: [['gate', { who: 'x' }]] },
  },
  {
    runId: 'x9',
    jobId: 'etl/load',
    state: 'error',
    args: { date: '2026-03-08' },
    labels: ['etl'],
    times: { error: t + 1 },
    extra: undefined,
  },
];

describe('compact run rows', () => {
  it('read back as the full summaries, over chunks that extend the tables', () => {
    const enc = new CompactEncoder();
    const dec = new CompactDecoder();
    const read: RunSummary[] = [];
    for (const [i, run] of RUNS.entries()) {
      enc.add(run);
      if (i % 2 === 1 || i === RUNS.length - 1) {
        const chunk = enc.chunk(RUNS.length, i === RUNS.length - 1);
        const wire = JSON.parse(JSON.stringify(chunk)) as typeof chunk;
        dec.extend(wire);
        for (const row of wire.runs) read.push(dec.summary(row));
      }
    }
    expect(read).toEqual(RUNS.map(fullSummary));
    // Sort times: schedule, else running, else error time.
    const enc2 = new CompactEncoder();
    for (const run of RUNS) enc2.add(run);
    const chunk = enc2.chunk(RUNS.length, true);
    const dec2 = new CompactDecoder();
    dec2.extend(chunk);
    expect(chunk.runs.map((r) => dec2.sortTime(r))).toEqual([t, t + 86_400_000, t - 10, 0, t + 1]);
    // Each job, args object, label set and time-name set is sent once.
    expect(chunk.jobs).toEqual(['etl/load', 'remote/job', 'after']);
    expect(chunk.labels).toEqual([['etl'], []]);
  });
});
