// Soak with the fake clock (issue 9): a month of a realistic folder, DST changes included, runs exactly what
// `apsis plan` predicts for the same period, each occurrence once.
import { describe, expect, it } from 'vitest';
import { planRuns } from '../../main/plan.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { openApp } from '../engine/harness.js';

const FROM = Date.parse('2027-03-01T00:00:00Z');
const TO = Date.parse('2027-04-01T00:00:00Z'); // New York springs forward on 03-14, London on 03-28

const JOBS = {
  'reports/ny-overnight.yaml':
    'params: [date]\nschedule: {type: daily, tz: America/New_York, daytime: ["01:30:00", "02:30:00"]}\nprogram: {type: no-op}\n',
  'reports/london-close.yaml':
    'params: [date, daytime]\nschedule: {type: daily, tz: Europe/London, calendar: Mon-Fri, daytime: ["00:30:00", "16:30:00"]}\nprogram: {type: no-op}\n',
  'etl/load.yaml': 'params: [time]\nschedule: {type: interval, interval: 90m}\nprogram: {type: no-op}\n',
  'monitoring/market.yaml':
    'params: [date, daytime]\nschedule: {type: daily-interval, tz: America/New_York, calendar: Mon-Fri, start: "09:30:00", stop: "16:00:00", interval: 30m}\nprogram: {type: no-op}\n',
  'ops/backup.yaml':
    'schedule: {type: cron, tz: Europe/London, expr: "30 1 * * *"}\nprogram: {type: no-op}\n',
  'ops/feed.yaml':
    'params: [time]\nschedule: {start: {type: interval, interval: 12h, phase: 30m}, stop: {type: duration, duration: 1h}}\nprogram: {type: no-op, duration: 10}\n',
};

describe('soak', () => {
  it('30 simulated days: the runs started are exactly the plan, each once', async () => {
    const clock = new FakeClock(FROM);
    const h = openApp(JOBS, { clock });
    try {
      for (let t = FROM; t < TO; t += 3_600_000) await clock.jump(t + 3_600_000);
      await clock.jump(TO);
      const expected = planRuns(h.app.engine.jobs.values(), FROM, TO).map(
        (r) => `${r.jobId} ${new Date(r.time).toISOString()} ${r.argsJson}`,
      );
      const actual: string[] = [];
      for (const run of h.app.engine.runs.all()) {
        const t = run.times['schedule'] ?? 0;
        if (run.state === 'scheduled' || t < FROM || t >= TO) continue;
        actual.push(`${run.jobId} ${new Date(t).toISOString()} ${JSON.stringify(run.args)}`);
      }
      expect(expected.length).toBeGreaterThan(900);
      expect(actual.sort()).toEqual(expected.sort());
      // The gap day: 02:30 New York on 2027-03-14 ran once, shifted to 03:30 EDT.
      expect(actual).toContain('reports/ny-overnight 2027-03-14T07:30:00.000Z {"date":"2027-03-14"}');
    } finally {
      await h.close();
    }
  }, 60_000);
});
