// Differential test: our plan of the reference job folder for 2027 equals the plan Apsis 1.1.2 produced.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadJobFolder } from '../../main/jobs/load-folder.js';
import { plannedArgs, planRuns } from '../../main/plan.js';
import { REFERENCE } from '../helpers/folders.js';

interface Entry {
  time: string;
  job_id: string;
  args: Record<string, string>;
}

const key = (e: Entry): string =>
  `${Date.parse(e.time)} ${e.job_id} ${JSON.stringify(e.args, Object.keys(e.args).sort())}`;

describe('reference plan for 2027', () => {
  const result = loadJobFolder(join(REFERENCE, 'jobs'), {
    now: Date.parse('2026-11-25T00:00:00Z'),
    calendarsDir: null,
  });

  it('loads all 31 reference jobs without problems', () => {
    expect(result.problems).toEqual([]);
    expect(result.jobs.size).toBe(31);
  });

  it('produces exactly the runs of plan-2027.json, in the same order', () => {
    const expected = JSON.parse(readFileSync(join(REFERENCE, 'plan-2027.json'), 'utf8')) as Entry[];
    const runs = planRuns(
      result.jobs.values(),
      Date.parse('2027-01-01T00:00:00Z'),
      Date.parse('2028-01-01T00:00:00Z'),
    );
    const actual = runs.map((r) =>
      key({ time: new Date(r.time).toISOString(), job_id: r.jobId, args: plannedArgs(r) }),
    );
    // Deliberate difference D34: the `calendar` arg of the default calendar is `all`, where Apsis writes `all days`.
    const wanted = expected.map((e) =>
      key(e.args['calendar'] === 'all days' ? { ...e, args: { ...e.args, calendar: 'all' } } : e),
    );
    expect(actual.length).toBe(32_852);
    // Report the first differences readably before comparing everything.
    const firstDiff = actual.findIndex((a, i) => a !== wanted[i]);
    expect(
      firstDiff === -1 ? null : { index: firstDiff, ours: actual[firstDiff], apsis: wanted[firstDiff] },
    ).toBeNull();
    expect(actual).toEqual(wanted);
  });
});
