/**
 * planRuns (main/plan.ts keeps occurrences in typed-array columns, radix-sorts them and writes args text on
 * demand) against the plain definition of SPEC 18.2: every occurrence through runArgs, sorted by time, job ID
 * and args JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../main/jobs/job.js';
import { planRuns, runArgs, type PlannedRun } from '../../main/plan.js';
import { planEntries } from '../../main/plan-merge.js';
import { formatOffset, offsetAt } from '../../main/time/zones.js';
import { occurrences } from '../../main/schedules/occurrences.js';
import type { StartSchedule } from '../../main/schedules/types.js';
import { MS_PER_DAY } from '../../main/time/days.js';
import { at, calendar, cron } from './helpers.js';

interface Row {
  time: number;
  jobId: string;
  argsJson: string;
  tz: string | null;
}

function plainPlan(jobs: Job[], from: number, to: number): Row[] {
  const runs: Row[] = [];
  for (const job of jobs)
    for (const { start } of job.schedules) {
      if (!start.enabled) continue;
      try {
        for (const o of occurrences(start, from)) {
          if (o.time >= to) break;
          const args = runArgs(job.params, o.args, o.time);
          runs.push({
            time: o.time,
            jobId: job.jobId,
            argsJson: JSON.stringify(args, Object.keys(args).sort()),
            tz: 'tz' in start ? start.tz : null,
          });
        }
      } catch {
        // planRuns reports it; the runs made so far count.
      }
    }
  return runs.sort(
    (a, b) =>
      a.time - b.time ||
      (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0) ||
      (a.argsJson < b.argsJson ? -1 : a.argsJson > b.argsJson ? 1 : 0),
  );
}

const rows = (runs: PlannedRun[]): Row[] =>
  runs.map(({ time, jobId, argsJson, tz }) => ({ time, jobId, argsJson, tz }));

function job(jobId: string, params: string[], starts: StartSchedule[]): Job {
  return {
    jobId,
    file: null,
    params: [...params].sort(),
    schedules: starts.map((start) => ({ start })),
    program: { type: 'no-op', success: true },
    conditions: [],
    actions: [],
    metadata: {},
    adHoc: false,
    definition: '',
  };
}

const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Tokyo', 'UTC'];
const zone = fc.constantFrom(...ZONES);
const cal = fc.constantFrom('all', 'Mon-Fri', 'Tue,Thu', 'none').map(calendar);
const daytime = fc.integer({ min: 0, max: 95 }).map((q) => q * 900);
const explicitArgs = fc.dictionary(
  fc.constantFrom('date', 'extra', 'time', 'tz', 'schedule_time'),
  fc.constantFrom('x', 'a"b', 'line\u2028sep', 'é'),
  { maxKeys: 2 },
);
const enabled = fc.oneof(
  { arbitrary: fc.constant(true), weight: 5 },
  { arbitrary: fc.constant(false), weight: 1 },
);
const common = { enabled, args: explicitArgs };

const start: fc.Arbitrary<StartSchedule> = fc.oneof(
  fc
    .record({
      type: fc.constant('interval' as const),
      interval: fc.constantFrom(600, 3600, 5400, 86_400, 108_000, 337.5),
      phase: fc.integer({ min: 0, max: 599 }),
      ...common,
    })
    .map((s) => ({ ...s, phase: s.phase % s.interval })),
  fc.record({
    type: fc.constant('daily' as const),
    tz: zone,
    daytimes: fc.uniqueArray(daytime, { minLength: 1, maxLength: 3 }).map((ys) => ys.sort((x, y) => x - y)),
    calendar: cal,
    dateShift: fc.integer({ min: -2, max: 2 }),
    calShift: fc.integer({ min: -1, max: 1 }),
    timeShift: fc.integer({ min: -4, max: 4 }).map((h) => h * 1800),
    ...common,
  }),
  fc.record({
    type: fc.constant('daily-interval' as const),
    tz: zone,
    calendar: cal,
    start: fc.record({ daytime, dateShift: fc.constant(0), calShift: fc.constant(0) }),
    stop: fc.record({ daytime, dateShift: fc.integer({ min: 0, max: 1 }), calShift: fc.constant(0) }),
    interval: fc.constantFrom(1800, 3600, 10_000),
    ...common,
  }),
  fc.record({
    type: fc.constant('explicit' as const),
    times: fc
      .array(fc.integer({ min: at('2024-02-25T00:00:00Z'), max: at('2024-04-10T00:00:00Z') }), {
        maxLength: 4,
      })
      .map((ts) => ts.sort((x, y) => x - y)),
    ...common,
  }),
  fc
    .tuple(
      fc.constantFrom('30 1-3 * * *', '0 9 * * MON-FRI', '*/45 * 13 * FRI', '0 0 L * *'),
      zone,
      common.args,
    )
    .map(([expr, tz, args]) => ({ ...cron(expr, tz), args })),
);

const jobs = fc.uniqueArray(
  fc.record({
    jobId: fc.constantFrom('a', 'b', 'B', 'c/d', 'é', 'a b'),
    params: fc.uniqueArray(
      fc.constantFrom('time', 'date', 'daytime', 'sched_date', 'calendar', 'tz', 'schedule_time', 'extra'),
      { maxLength: 4 },
    ),
    starts: fc.array(start, { minLength: 1, maxLength: 3 }),
  }),
  { selector: (j) => j.jobId, minLength: 1, maxLength: 5 },
);

describe('planRuns', () => {
  it('equals the plain definition, DST changes, ties and explicit args included', () => {
    const span = fc
      .tuple(
        fc.integer({ min: at('2024-03-01T00:00:00Z'), max: at('2024-03-31T00:00:00Z') }),
        fc.integer({ min: 1, max: 6 * MS_PER_DAY }),
      )
      .map(([from, len]) => [from, from + len] as const);
    fc.assert(
      fc.property(jobs, span, (js, [from, to]) => {
        const all = js.map((j) => job(j.jobId, j.params, j.starts));
        expect(rows(planRuns(all, from, to))).toEqual(plainPlan(all, from, to));
      }),
      { numRuns: 150 },
    );
  });

  it('planEntries (the forecast, merged lazily) gives the same runs in the same order, each with its offset', () => {
    const span = fc
      .tuple(
        fc.integer({ min: at('2024-03-01T00:00:00Z'), max: at('2024-11-20T00:00:00Z') }),
        fc.integer({ min: 1, max: 6 * MS_PER_DAY }),
      )
      .map(([from, len]) => [from, from + len] as const);
    fc.assert(
      fc.property(jobs, span, (js, [from, to]) => {
        const all = js.map((j) => job(j.jobId, j.params, j.starts));
        const merged = planEntries(all, from, to);
        expect(merged.map(({ time, jobId, argsJson }) => ({ time, jobId, argsJson }))).toEqual(
          rows(planRuns(all, from, to)).map(({ time, jobId, argsJson }) => ({ time, jobId, argsJson })),
        );
        const plain = plainPlan(all, from, to);
        expect(merged.map((e) => e.offset)).toEqual(
          plain.map((r) => (r.tz === null ? null : formatOffset(offsetAt(r.time, r.tz)))),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('sorts times that are not whole seconds or span more than 2^32 units', () => {
    const times = [
      at('1900-01-01T00:00:00Z'),
      at('2100-06-01T12:00:00Z'), // whole seconds, but 6.3e9 of them apart
      at('2024-03-10T07:00:00.250Z'),
      at('2024-03-10T07:00:00.125Z'),
      at('2024-03-10T07:00:00Z'),
    ].sort((x, y) => x - y);
    const whole = times.filter((t) => t % 1000 === 0);
    const fractional = [1.5, 0.25, 2].map((d) => at('2024-01-01T00:00:00Z') + d); // hand-built, not from a file
    const second = at('2024-03-10T07:00:00Z');
    const cases = [
      [
        job('a', [], [{ type: 'explicit', times: [second + 200], enabled: true, args: {} }]),
        job('b', [], [{ type: 'explicit', times: [second + 100], enabled: true, args: {} }]),
      ],
      [job('x', ['time'], [{ type: 'explicit', times: whole, enabled: true, args: {} }])],
      [job('x', ['time'], [{ type: 'explicit', times, enabled: true, args: {} }])],
      [
        job('y', ['schedule_time'], [{ type: 'explicit', times: fractional, enabled: true, args: {} }]),
        job('x', [], [{ type: 'explicit', times: [fractional[1] as number], enabled: true, args: {} }]),
      ],
    ];
    for (const js of cases) {
      const from = at('1800-01-01T00:00:00Z');
      const to = at('2200-01-01T00:00:00Z');
      expect(rows(planRuns(js, from, to))).toEqual(plainPlan(js, from, to));
      expect(planEntries(js, from, to).map((e) => [e.time, e.jobId, e.argsJson])).toEqual(
        plainPlan(js, from, to).map((r) => [r.time, r.jobId, r.argsJson]),
      );
    }
  });

  it('keeps the runs of a schedule that fails and reports it', () => {
    const failing: StartSchedule = {
      type: 'daily',
      tz: 'UTC',
      daytimes: [3600],
      calendar: {
        expr: 'short',
        contains: () => true,
        after: (d) => {
          if (d > 19_800) throw new Error('calendar ran out');
          return d;
        },
        before: (d) => d,
        shift: (d, n) => d + n,
      },
      dateShift: 0,
      calShift: 0,
      timeShift: 0,
      enabled: true,
      args: {},
    };
    const errors: string[] = [];
    const runs = planRuns([job('j', ['date'], [failing])], 19_795 * MS_PER_DAY, 19_900 * MS_PER_DAY, (j, m) =>
      errors.push(`${j.jobId}: ${m}`),
    );
    expect(runs.map((r) => r.argsJson)).toEqual(
      [19_795, 19_796, 19_797, 19_798, 19_799, 19_800].map(
        (d) => `{"date":"${new Date(d * MS_PER_DAY).toISOString().slice(0, 10)}"}`,
      ),
    );
    expect(errors).toEqual(['j: calendar ran out']);
    const merged: string[] = [];
    const entries = planEntries(
      [job('j', ['date'], [failing])],
      19_795 * MS_PER_DAY,
      19_900 * MS_PER_DAY,
      (j, m) => merged.push(`${j.jobId}: ${m}`),
    );
    expect(entries.map((e) => e.argsJson)).toEqual(runs.map((r) => r.argsJson));
    expect(merged).toEqual(['j: calendar ran out']);
  });
});
