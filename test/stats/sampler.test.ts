// The stats sampler (SPEC 17.1 async.*, 17.2, 17.3): wake-ups on multiples of stats.interval, lateness, tasks in
// flight, one stored sample per interval, and pruning by stats.retention.
process.env['APSIS_TEST_TYPES'] = '1';

import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../main/engine/app.js';
import { engineStats } from '../../main/stats/collect.js';
import { StatsSampler } from '../../main/stats/sampler.js';
import { flattenStats, type Stats } from '../../shared/stats/schema.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { openApp, waitFor, type Harness } from '../engine/harness.js';

const T0 = Date.parse('2024-06-03T12:00:00Z');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Every stored sample, oldest first. */
function samples(app: App): { time: number; stats: Stats }[] {
  return [...app.store.iterateStats()].map((row) => ({
    time: row.time,
    stats: JSON.parse(row.stats) as Stats,
  }));
}

/** A FakeClock whose sleepers wake `lateMs` after the time they asked for, like a busy event loop. */
class LateClock extends FakeClock {
  constructor(
    t: number,
    private readonly lateMs: number,
  ) {
    super(t);
  }

  override sleepUntil(t: number, signal?: AbortSignal): Promise<void> {
    return super.sleepUntil(t + this.lateMs, signal);
  }
}

describe('stats sampler', () => {
  it('wakes at each multiple of the interval strictly later than now + 10 ms and stores one sample each', async () => {
    const clock = new FakeClock(T0 + 995);
    h = openApp({}, { clock, settings: (s) => (s.stats.interval = 1) });
    await clock.advance(5005); // to T0 + 6 s
    const stored = samples(h.app);
    // T0 + 1 s is not later than T0 + 0.995 s + 10 ms, so the first wake-up is at T0 + 2 s.
    expect(stored.map((s) => s.time - T0 / 1000)).toEqual([2, 3, 4, 5, 6]);
    for (const s of stored) {
      expect(Date.parse(s.stats.time) / 1000).toBe(s.time);
      expect(s.stats.async.latency).toBe(0);
    }
    expect(StatsSampler.nextWake(T0 + 989, 1000)).toBe(T0 + 1000);
    expect(StatsSampler.nextWake(T0 + 990, 1000)).toBe(T0 + 2000);
    expect(StatsSampler.nextWake(T0, 10_000)).toBe(T0 + 10_000);
  });

  it('async.latency is how late the wake-up came, in seconds; async.num_tasks counts tasks and core loops', async () => {
    const clock = new LateClock(T0, 37);
    h = openApp(
      { 'slow.yaml': 'program: {type: no-op, duration: 60}\n' },
      { clock, settings: (s) => (s.stats.interval = 10) },
    );
    // Absent until the first wake-up (SPEC 17.1).
    expect(engineStats(h.app).async).not.toHaveProperty('latency');
    await clock.advance(10_037);
    const first = samples(h.app)[0]?.stats;
    expect(first?.async.latency).toBeCloseTo(0.037, 9);
    // Idle: the scheduler's due timer and expansion loops, the retire loop, and the sampler itself.
    expect(first?.async.num_tasks).toBe(4);
    const run = h.app.engine.createRun('slow', {});
    await waitFor(h.app, run, 'running');
    await clock.advance(10_000);
    // Sampled before sleeping: the run task is counted from the wake-up after it started.
    await clock.advance(10_000);
    expect(samples(h.app).at(-1)?.stats.async.num_tasks).toBe(5);
  });

  it('SPEC 17.2: tasks.num_action is 1 while a 2 s SleepThreadAction runs, then 0', async () => {
    const clock = new FakeClock(T0 + 500);
    h = openApp(
      {
        'sleepy.yaml':
          'program: {type: no-op}\naction: {type: apsis.actions.test.SleepThreadAction, duration: 2}\n',
      },
      { clock, settings: (s) => (s.stats.interval = 1) },
    );
    const run = h.app.engine.createRun('sleepy', {});
    await waitFor(h.app, run, 'success');
    await settle();
    await clock.advance(3000); // samples at T0 + 1, 2, 3 s; the action ends at T0 + 2.5 s
    const byTime = samples(h.app).map((s) => [s.time - T0 / 1000, s.stats.tasks.num_action]);
    expect(byTime).toEqual([
      [1, 1],
      [2, 1],
      [3, 0],
    ]);
  });

  it('SPEC 17.3: samples older than stats.retention are deleted at the first sample and at least hourly', async () => {
    const clock = new FakeClock(T0);
    h = openApp({}, { clock, settings: (s) => ((s.stats.interval = 60), (s.stats.retention = 600)) });
    const store = h.app.store;
    // A long-running engine's backlog: more than one deletion batch.
    store.transaction(() => {
      for (let i = 0; i < 2500; i += 1) store.insertStats(T0 / 1000 - 86_400 + i, { time: 'old' });
    });
    await clock.advance(60_000);
    await settle();
    expect(samples(h.app).map((s) => s.time)).toEqual([T0 / 1000 + 60]);
    await clock.advance(2 * 3_600_000);
    await settle();
    const now = clock.now() / 1000;
    const kept = samples(h.app).map((s) => s.time);
    // Pruned at least once an hour: nothing older than retention + 1 h remains, and the newest are all there.
    expect(Math.min(...kept)).toBeGreaterThanOrEqual(now - 600 - 3600);
    expect(kept.slice(-11)).toEqual(Array.from({ length: 11 }, (_, i) => now - 600 + i * 60));
    // Every sample has every field a user reads (spot check of the flattened form).
    expect(Object.keys(flattenStats(samples(h.app)[0]?.stats))).toContain('async.latency');
  });
});
