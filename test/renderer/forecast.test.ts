// Shaping the forecast for the console: shown times with offsets, grouping by job, the bounded timeline.
import { describe, expect, it } from 'vitest';
import type { PlanEntry } from '../../shared/api/console-api.js';
import {
  ForecastGroups,
  KEEP,
  localTime,
  offsetText,
  planInSlices,
  tickPath,
  SLICE_MS,
} from '../../renderer/src/lib/forecast.js';

const e = (time: string, job_id: string, extra: Partial<PlanEntry> = {}): PlanEntry => ({
  time,
  job_id,
  args: {},
  ...extra,
});

describe('forecast', () => {
  it("shows the schedule's local time with its offset, else the console zone's", () => {
    // 2027-03-14 02:30 does not exist in New York: the run was moved to 03:30 EDT (07:30 UTC).
    const shifted = e('2027-03-14T07:30:00.000Z', 'etl/load', { offset: '-04:00', dst: 'shifted' });
    expect(localTime(shifted, 'Asia/Tokyo')).toEqual({ time: '2027-03-14 03:30:00', offset: '-04:00' });
    expect(localTime(e('2027-01-10T12:00:00.000Z', 'a'), 'Asia/Kolkata')).toEqual({
      time: '2027-01-10 17:30:00',
      offset: '+05:30',
    });
    expect(localTime(e('2027-07-01T12:00:00.000Z', 'a'), 'UTC').offset).toBe('+00:00');
    expect(offsetText(-4 * 3_600_000)).toBe('-04:00');
  });

  it('groups by job in the order of their first run and counts clock-change runs', () => {
    const from = Date.parse('2027-11-07T00:00:00Z');
    const forecast = new ForecastGroups(from, from + 86_400_000);
    forecast.add([
      e('2027-11-07T05:30:00.000Z', 'b', { offset: '-04:00', dst: 'repeated' }),
      e('2027-11-07T06:00:00.000Z', 'a'),
    ]);
    forecast.add([e('2027-11-07T06:30:00.000Z', 'b', { offset: '-05:00', dst: 'repeated' })]);
    expect(forecast.size).toBe(3);
    expect(forecast.groups().map((g) => [g.jobId, g.entries.length, g.dst])).toEqual([
      ['b', 2, 2],
      ['a', 1, 0],
    ]);
  });

  it('draws at most one tick a bucket, and marks buckets with a clock change', () => {
    const from = Date.parse('2027-01-01T00:00:00Z');
    const minutes = Array.from({ length: 30 * 1440 }, (_, i) =>
      e(new Date(from + i * 60_000).toISOString(), 'every-minute'),
    );
    const month = new ForecastGroups(from, from + 30 * 86_400_000, 240);
    month.add(minutes);
    const [job] = month.groups();
    expect(job?.ticks).toHaveLength(240);
    expect(job?.ticks.reduce((n, t) => n + t.runs, 0)).toBe(30 * 1440);
    // The first runs are kept to be shown, the others only counted.
    expect(job?.count).toBe(30 * 1440);
    expect(job?.entries).toEqual(minutes.slice(0, KEEP));
    const day = new ForecastGroups(from, from + 86_400_000, 24);
    day.add([e('2027-01-01T01:00:00.000Z', 'x'), e('2027-01-01T23:00:00.000Z', 'x', { dst: 'shifted' })]);
    const [two] = day.groups();
    expect(two?.ticks).toEqual([
      { at: 1.5 / 24, runs: 1, dst: false },
      { at: 23.5 / 24, runs: 1, dst: true },
    ]);
    expect(tickPath(two?.ticks ?? [], false)).toBe('M62.5 0V14');
    expect(tickPath(two?.ticks ?? [], true)).toBe('M979.2 0V14');
  });

  it('asks a long window a slice at a time, and the slices together are the whole window', async () => {
    const from = Date.parse('2027-01-01T00:00:00Z');
    const to = from + 30 * 86_400_000;
    const hourly = Array.from({ length: 30 * 24 }, (_, i) =>
      e(new Date(from + i * 3_600_000).toISOString(), 'h'),
    );
    const asked: [string, string][] = [];
    const plan = (f: string, t: string): Promise<PlanEntry[]> => {
      asked.push([f, t]);
      return Promise.resolve(hourly.filter((x) => x.time >= f && x.time < t));
    };
    const got: PlanEntry[] = [];
    await planInSlices(plan, from, to, (part) => got.push(...part));
    expect(got).toEqual(hourly);
    expect(asked).toHaveLength(Math.ceil((to - from) / SLICE_MS));
    expect(asked[0]?.[0]).toBe('2027-01-01T00:00:00.000Z');
    expect(asked.at(-1)?.[1]).toBe(new Date(to).toISOString());
    for (let i = 1; i < asked.length; i += 1) expect(asked[i]?.[0]).toBe(asked[i - 1]?.[1]);
  });
});
