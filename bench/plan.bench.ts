/** `apsis check` of 1000 job files and `apsis plan` of 1000 jobs over one year (SPEC 20). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJobFolder } from '../main/jobs/load-folder.js';
import type { Job } from '../main/jobs/job.js';
import { planRuns } from '../main/plan.js';
import { formatIso } from '../main/time/instants.js';
import { planEntries, planJsonChunks } from '../main/service/forecast.js';
import { timeIt, type Benchmark } from './harness.js';

/**
 * Five kinds of job, mixed like the reference corpus of Apsis jobs (about 1,060 runs per job and year): every 4 h,
 * business-day daily, market-hours polling, business-day cron, explicit dates.
 */
const TEMPLATES = [
  (i: number) =>
    `params: [time]\nschedule: {type: interval, interval: 4h, phase: ${i % 60}m}\nprogram: echo {{ time }}\n`,
  (i: number) =>
    `params: [date]\nschedule: {type: daily, tz: America/New_York, calendar: Mon-Fri, daytime: ["0${i % 10}:15:00", "17:30:00"]}\nprogram: echo {{ date }}\n`,
  () =>
    `params: [date, daytime]\nschedule: {type: daily-interval, tz: Europe/London, calendar: Mon-Fri, start: "09:00:00", stop: "17:00:00", interval: 1h}\nprogram: echo {{ date }} {{ daytime }}\n`,
  (i: number) =>
    `schedule: {type: cron, tz: Asia/Tokyo, expr: "${i % 60} 9,17 * * Mon-Fri"}\nprogram: ["true"]\n`,
  () =>
    `params: [time]\nschedule: {type: explicit, times: ["2027-03-31T22:00:00Z", "2027-06-30T18:00:00-04:00", "2027-12-31T23:59:59Z"]}\nprogram: echo {{ time }}\n`,
];

export const planBenchmark: Benchmark = {
  name: 'plan',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-plan-'));
    try {
      for (let i = 0; i < 1000; i += 1) {
        const sub = join(dir, `group-${i % 20}`);
        mkdirSync(sub, { recursive: true });
        writeFileSync(
          join(sub, `job-${i}.yaml`),
          (TEMPLATES[i % TEMPLATES.length] as (i: number) => string)(i),
        );
      }
      const now = Date.parse('2026-12-01T00:00:00Z');
      let result = loadJobFolder(dir, { now, calendarsDir: null });
      const loadMs = await timeIt(() => {
        result = loadJobFolder(dir, { now, calendarsDir: null });
      });
      if (result.problems.length > 0)
        throw new Error(`bench folder has problems: ${result.problems[0]?.message ?? ''}`);
      let count = 0;
      const from = Date.parse('2027-01-01T00:00:00Z');
      const to = Date.parse('2028-01-01T00:00:00Z');
      planRuns(result.jobs.values(), from, from + 86_400_000); // warm-up
      let chars = 0;
      const planMs = await timeIt(() => {
        const runs = planRuns(result.jobs.values(), from, to);
        // Read every run as `apsis plan` prints it: planRuns writes a run's args text when it is read.
        for (const run of runs) chars += run.time > 0 ? run.jobId.length + run.argsJson.length : 0;
        count = runs.length;
      });
      const forecast = await forecastFigures([...result.jobs.values()], from);
      return [
        {
          benchmark: 'check 1000 job files',
          value: loadMs / 1000,
          unit: 's',
          goal: '< 2 s',
          met: loadMs < 2000,
        },
        {
          benchmark: 'plan 1000 jobs x 1 year',
          value: planMs / 1000,
          unit: 's',
          goal: '< 1 s',
          met: planMs < 1000,
          note: `${count} runs, ${chars} characters of job IDs and args`,
        },
        {
          benchmark: 'forecast 1000 jobs x 30 days: longest hold of the event loop',
          value: forecast.longestMs,
          unit: 'ms',
          goal: '< 100 ms',
          met: forecast.longestMs < 100,
          note: `${forecast.runs} runs, ${(forecast.bytes / 1e6).toFixed(1)} MB of JSON in ${Math.round(forecast.totalMs)} ms (GET /api/v1/plan's code, streamed in slices)`,
        },
        {
          benchmark: 'forecast 1000 jobs x 30 days, whole',
          value: forecast.totalMs / 1000,
          unit: 's',
          goal: '—',
          met: null,
          baseline: {
            name: 'planRuns + JSON text, at once',
            value: forecast.baselineMs / 1000,
            ratio: forecast.totalMs / forecast.baselineMs,
          },
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * The forecast's code (main/service/forecast.ts) over 30 days: its whole time, and the longest stretch between two
 * turns of the event loop while it runs (a ticker on setImmediate measures the gaps); against planRuns writing the
 * same JSON in one go.
 */
async function forecastFigures(
  jobs: Job[],
  from: number,
): Promise<{ longestMs: number; totalMs: number; baselineMs: number; runs: number; bytes: number }> {
  const window = { from, to: from + 30 * 86_400_000 };
  let runs = 0;
  let baselineBytes = 0;
  const baselineMs = await timeIt(() => {
    for (const run of planRuns(jobs, window.from, window.to))
      baselineBytes +=
        `{"time":"${formatIso(run.time)}","job_id":${JSON.stringify(run.jobId)},"args":${run.argsJson}},`
          .length;
  });
  let longestMs = 0;
  let last = performance.now();
  let ticking = true;
  const tick = (): void => {
    const now = performance.now();
    longestMs = Math.max(longestMs, now - last);
    last = now;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  let bytes = 0;
  const totalMs = await timeIt(async () => {
    for await (const chunk of planJsonChunks(
      (async function* () {
        for await (const entry of planEntries(jobs, window, () => {})) {
          runs += 1;
          yield entry;
        }
      })(),
    ))
      bytes += chunk.length;
  });
  ticking = false;
  if (baselineBytes === 0 && runs > 0) throw new Error('the baseline planned nothing');
  return { longestMs, totalMs, baselineMs, runs, bytes };
}
