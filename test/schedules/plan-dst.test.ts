/**
 * The forecast's time-zone marks (SPEC 19.8): each planned run's UTC offset, and `shifted` / `repeated` where a clock
 * change moved a run or made its local time occur twice, on literal dates of America/New_York and Europe/London.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../main/jobs/job.js';
import { planEntries, planEntryJson, type PlanEntry } from '../../main/plan-merge.js';
import type { StartSchedule } from '../../main/schedules/types.js';
import { at, cron, daily, dailyInterval, edge, interval } from './helpers.js';

function job(start: StartSchedule, params: string[] = []): Job {
  return {
    jobId: 'j',
    file: null,
    params,
    schedules: [{ start }],
    program: { type: 'no-op', success: true },
    conditions: [],
    actions: [],
    metadata: {},
    adHoc: false,
    definition: '',
  };
}

/** `time offset dst` of each planned run. */
function marks(start: StartSchedule, from: string, to: string): string[] {
  return planEntries([job(start)], at(from), at(to)).map((e) =>
    [new Date(e.time).toISOString().slice(0, 16), e.offset ?? '-', e.dst ?? '-'].join(' '),
  );
}

const NY = 'America/New_York';

describe('forecast offsets and DST marks', () => {
  it('a daily time inside the spring-forward gap is shifted; the days around it are not', () => {
    expect(
      marks(daily({ tz: NY, daytimes: ['02:30:00'] }), '2024-03-09T00:00:00Z', '2024-03-12T00:00:00Z'),
    ).toEqual([
      '2024-03-09T07:30 -05:00 -',
      '2024-03-10T07:30 -04:00 shifted', // 02:30 does not exist: 03:30 EDT (SPEC 5.2)
      '2024-03-11T06:30 -04:00 -',
    ]);
  });

  it('a daily time in the fall-back overlap is repeated (its first occurrence only, SPEC 5.2)', () => {
    expect(
      marks(daily({ tz: NY, daytimes: ['01:45:00'] }), '2027-11-06T00:00:00Z', '2027-11-09T00:00:00Z'),
    ).toEqual([
      '2027-11-06T05:45 -04:00 -',
      '2027-11-07T05:45 -04:00 repeated', // the ambiguous 01:45: the offset says which
      '2027-11-08T06:45 -05:00 -',
    ]);
  });

  it('a daily time with a time shift is marked by the local time it was resolved from', () => {
    const shifted = daily({ tz: NY, daytimes: ['02:30:00'], timeShift: 3600 });
    expect(marks(shifted, '2024-03-10T00:00:00Z', '2024-03-11T00:00:00Z')).toEqual([
      '2024-03-10T08:30 -04:00 shifted',
    ]);
  });

  it('daily-interval steps in the overlap are repeated; only a window start in the gap is shifted', () => {
    const overlap = dailyInterval({
      tz: NY,
      start: edge('00:30:00'),
      stop: edge('02:00:00'),
      interval: 1800,
    });
    expect(marks(overlap, '2024-11-03T04:00:00Z', '2024-11-03T12:00:00Z')).toEqual([
      '2024-11-03T04:30 -04:00 -', // 00:30 EDT
      '2024-11-03T05:00 -04:00 repeated', // 01:00 EDT
      '2024-11-03T05:30 -04:00 repeated', // 01:30 EDT
      '2024-11-03T06:00 -05:00 repeated', // 01:00 EST (elapsed time goes on)
      '2024-11-03T06:30 -05:00 repeated', // 01:30 EST
    ]);
    const gap = dailyInterval({ tz: NY, start: edge('02:30:00'), stop: edge('04:30:00'), interval: 1800 });
    expect(marks(gap, '2024-03-10T00:00:00Z', '2024-03-10T12:00:00Z')).toEqual([
      '2024-03-10T07:30 -04:00 shifted', // the window opens at 03:30 EDT instead of 02:30
      '2024-03-10T08:00 -04:00 -',
    ]);
  });

  it('cron times in the gap are shifted, and in the overlap repeated', () => {
    expect(marks(cron('30 2 * * *', NY), '2024-03-10T00:00:00Z', '2024-03-11T00:00:00Z')).toEqual([
      '2024-03-10T07:30 -04:00 shifted',
    ]);
    expect(
      marks(cron('30 1 * * *', 'Europe/London'), '2024-10-27T00:00:00Z', '2024-10-28T00:00:00Z'),
    ).toEqual(['2024-10-27T00:30 +01:00 repeated']);
  });

  it('a schedule without a zone has neither; the JSON has the plan fields and omits what is unknown', () => {
    expect(marks(interval(43_200), '2024-03-10T00:00:00Z', '2024-03-11T00:00:00Z')).toEqual([
      '2024-03-10T00:00 - -',
      '2024-03-10T12:00 - -',
    ]);
    const [plain] = planEntries(
      [job(interval(43_200), ['time'])],
      at('2024-03-10T00:00:00Z'),
      at('2024-03-10T01:00:00Z'),
    );
    expect(JSON.parse(planEntryJson(plain as PlanEntry))).toEqual({
      time: '2024-03-10T00:00:00.000Z',
      job_id: 'j',
      args: { time: '2024-03-10T00:00:00+00:00' },
    });
    const [zoned] = planEntries(
      [job(daily({ tz: NY, daytimes: ['02:30:00'] }))],
      at('2024-03-10T00:00:00Z'),
      at('2024-03-11T00:00:00Z'),
    );
    expect(JSON.parse(planEntryJson(zoned as PlanEntry))).toEqual({
      time: '2024-03-10T07:30:00.000Z',
      job_id: 'j',
      args: {},
      offset: '-04:00',
      dst: 'shifted',
    });
  });
});
