// Crash stress, short (issue 9): the scenario of test/stress/crash-scenario.ts with 2 kills and 40 runs; the full
// 20 × 500 runs under `npm run stress`.
import { describe, expect, it } from 'vitest';
import { runCrashStress } from '../stress/crash-scenario.js';

describe('crash stress (short)', () => {
  it('2 × kill -9 during 40 mixed runs: nothing lost or stuck, missed occurrences run once', async () => {
    const report = await runCrashStress({ rounds: 2, runs: 40 });
    const summary = `seed ${report.seed}: ${JSON.stringify(report)}`;
    expect(report.violations, summary).toEqual([]);
    expect(report.runsCreated, summary).toBe(40);
    expect(report.runsChecked, summary).toBeGreaterThanOrEqual(40);
    expect(
      report.catchUp.map((c) => c.ran > 0 && c.ran === c.due),
      summary,
    ).toEqual([true, true]);
  }, 40_000);
});
