// Reload (SPEC 10.3) and the expected-run window (SPEC 12.1 max_ahead), with a fake clock.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../main/engine/app.js';
import type { Run } from '../../main/engine/run.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { committed, openApp, type Harness } from './harness.js';

const T0 = Date.parse('2024-06-03T12:00:30Z');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const expected = (app: App, jobId: string): Run[] =>
  [...app.engine.runs.ofJob(jobId)].filter((r) => r.expected && r.state === 'scheduled');
const durationOf = (r: Run): unknown => (r.program as { duration?: number } | null)?.duration;

const hourly = (duration: number): string =>
  `program: {type: no-op, duration: ${duration}}\nschedule: {type: interval, interval: 1h}\n`;

describe('reload', () => {
  it('a changed job gets new expected runs with new IDs; unchanged and API runs are kept', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      { 'job.yaml': hourly(1), 'same.yaml': hourly(1) },
      { clock, settings: (s) => (s.schedule.horizon = 6 * 3600) },
    );
    const app = h.app;
    const old = expected(app, 'job');
    const same = expected(app, 'same').map((r) => r.runId);
    expect(old).toHaveLength(6);
    const api = app.engine.createRun('job', {}, { time: T0 + 7_200_000 });
    const deleted: string[] = [];
    app.engine.events.on('delete', (id) => deleted.push(id));

    writeFileSync(join(h.dir, 'job.yaml'), hourly(2));
    const result = app.reload(false);
    expect(result).toEqual({ added: [], removed: [], changed: ['job'], errors: [], dry_run: false });
    const fresh = expected(app, 'job');
    expect(fresh.map((r) => r.times['schedule'])).toEqual(old.map((r) => r.times['schedule']));
    for (const r of fresh) {
      expect(old.map((o) => o.runId)).not.toContain(r.runId);
      expect(durationOf(r)).toBe(2);
    }
    await committed(app); // live views hear of the deletes once they are committed
    expect(deleted.sort()).toEqual(old.map((r) => r.runId).sort());
    for (const r of old) expect(app.engine.runs.get(r.runId)).toBeUndefined();
    expect(expected(app, 'same').map((r) => r.runId)).toEqual(same);
    // The API run keeps what it was bound with.
    expect(app.engine.runs.get(api.runId)?.state).toBe('scheduled');
    expect(durationOf(api)).toBe(1);
    expect(h.app.scheduler.stats().num_entries).toBe(13);
  });

  it('a changed job with a full max_ahead window keeps no runs of its old definition', () => {
    const clock = new FakeClock(T0);
    h = openApp(
      { 'fast.yaml': 'program: {type: no-op, duration: 1}\nschedule: {type: interval, interval: 1s}\n' },
      { clock, settings: (s) => (s.schedule.max_ahead = 10) },
    );
    expect(expected(h.app, 'fast')).toHaveLength(10);
    writeFileSync(
      join(h.dir, 'fast.yaml'),
      'program: {type: no-op, duration: 2}\nschedule: {type: interval, interval: 1s}\n',
    );
    expect(h.app.reload(false).changed).toEqual(['fast']);
    const runs = expected(h.app, 'fast');
    expect(runs.map(durationOf)).toEqual(Array(10).fill(2));
    expect(h.app.scheduler.stats().num_entries).toBe(10);
  });

  it('a file broken on reload keeps its job in force, flagged; fixing it clears the flag; removal deletes runs', async () => {
    const clock = new FakeClock(T0);
    h = openApp({ 'job.yaml': hourly(1), 'gone.yaml': hourly(1) }, { clock });
    const app = h.app;
    const before = expected(app, 'job').map((r) => r.runId);
    const sent: string[] = [];
    app.engine.events.on('job', (job, kind) =>
      sent.push(`${kind} ${job.jobId} ${app.engine.loadErrorJobs.has(job.jobId) ? 'flagged' : 'ok'}`),
    );

    writeFileSync(
      join(h.dir, 'job.yaml'),
      'program: {type: no-op, duration: 1}\nschedule: {type: interval}\n',
    );
    rmSync(join(h.dir, 'gone.yaml'));
    const broken = app.reload(false);
    expect(broken.changed).toEqual([]);
    expect(broken.removed).toEqual(['gone']);
    expect(broken.errors).toHaveLength(1);
    expect(broken.errors[0]?.path).toBe('job.yaml');
    expect([...app.engine.loadErrorJobs]).toEqual(['job']);
    expect(app.engine.job('job')).toBeDefined();
    expect(expected(app, 'job').map((r) => r.runId)).toEqual(before);
    expect(app.engine.job('gone')).toBeUndefined();
    expect(expected(app, 'gone')).toHaveLength(0);
    expect(app.engine.jobErrors).toEqual(broken.errors);
    await committed(app);
    expect(sent).toEqual(['change job flagged']); // live views hear of the flag (the job is sent again)
    // The previous definition still runs.
    const run = app.engine.createRun('job', {});
    await settle();
    expect(run.state).toBe('running');
    expect(durationOf(run)).toBe(1);

    writeFileSync(join(h.dir, 'job.yaml'), hourly(3));
    const fixed = app.reload(false);
    expect(fixed).toEqual({ added: [], removed: [], changed: ['job'], errors: [], dry_run: false });
    expect(app.engine.loadErrorJobs.size).toBe(0);
    expect(app.engine.jobErrors).toEqual([]);
    expect(expected(app, 'job').map(durationOf)).toEqual(Array(before.length).fill(3));
  });

  it('dry_run reports the changes and changes nothing', () => {
    const clock = new FakeClock(T0);
    h = openApp({ 'job.yaml': hourly(1), 'gone.yaml': hourly(1) }, { clock });
    const app = h.app;
    const ids = [...app.engine.runs.all()].map((r) => r.runId).sort();
    writeFileSync(join(h.dir, 'job.yaml'), hourly(2));
    writeFileSync(join(h.dir, 'new.yaml'), hourly(1));
    writeFileSync(join(h.dir, 'bad.yaml'), 'program: {type: nope}\n');
    rmSync(join(h.dir, 'gone.yaml'));
    const result = app.reload(true);
    expect(result.added).toEqual(['new']);
    expect(result.removed).toEqual(['gone']);
    expect(result.changed).toEqual(['job']);
    expect(result.errors.map((e) => e.path)).toEqual(['bad.yaml']);
    expect(result.dry_run).toBe(true);
    expect([...app.engine.runs.all()].map((r) => r.runId).sort()).toEqual(ids);
    expect(app.engine.job('new')).toBeUndefined();
    expect(app.engine.job('gone')).toBeDefined();
    expect(expected(app, 'job').map(durationOf)).toEqual(Array(24).fill(1));
    expect(app.engine.jobErrors).toEqual([]);
    expect(app.engine.loadErrorJobs.size).toBe(0);
  });
});

describe('max_ahead', () => {
  it('an interval 1 s job over a 1 day horizon holds at most max_ahead expected runs and opens fast', async () => {
    const clock = new FakeClock(T0);
    const started = performance.now();
    h = openApp(
      { 'fast.yaml': 'program: {type: no-op}\nschedule: {type: interval, interval: 1s}\n' },
      { clock },
    );
    // A generous bound: 86,400 runs would take far longer (SPEC 12.1).
    expect(performance.now() - started).toBeLessThan(2000);
    expect(h.app.scheduler.stats().num_entries).toBe(1000);
    expect(expected(h.app, 'fast')).toHaveLength(1000);
    const first = expected(h.app, 'fast')[0];
    expect(first?.times['schedule']).toBe(T0 + 1000);

    // As runs start, the window is topped up.
    await clock.advance(5000);
    expect(h.app.scheduler.stats().num_entries).toBe(1000);
    const runs = [...h.app.engine.runs.ofJob('fast')];
    expect(runs.filter((r) => r.state === 'success')).toHaveLength(6); // T0 (at once) and 5 more
    const last = Math.max(...expected(h.app, 'fast').map((r) => r.times['schedule'] ?? 0));
    expect(last).toBe(T0 + 1005 * 1000);
  });
});

describe('max_expected', () => {
  it('many frequent schedules share schedule.max_expected; every occurrence still runs once, on time', async () => {
    const clock = new FakeClock(T0);
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i += 1)
      files[`tick${i}.yaml`] =
        'params: [time]\nprogram: {type: no-op}\nschedule: {type: interval, interval: 1s}\n';
    h = openApp(files, { clock, settings: (s) => (s.schedule.max_expected = 1000) });
    // 200 schedules x max_ahead 1000 would be 200,000 expected runs; sharing 1000, each holds 5.
    expect(h.app.scheduler.stats().num_entries).toBe(1000);
    expect(expected(h.app, 'tick7')).toHaveLength(5);
    for (let t = 1; t <= 20; t += 1) await clock.advance(1000);
    for (const id of ['tick0', 'tick199']) {
      const started = [...(h?.app.engine.runs.ofJob(id) ?? [])].filter((r) => r.state === 'success');
      const times = started.map((r) => r.times['schedule'] ?? 0).sort((a, b) => a - b);
      expect(times).toEqual(Array.from({ length: 21 }, (_, k) => T0 + k * 1000));
      for (const r of started) expect(r.times['starting']).toBe(r.times['schedule']);
    }
    expect(h.app.scheduler.stats().num_entries).toBe(1000);
  });
});

describe('reload and the clock', () => {
  it('a reload just after a changed job started a run does not run that occurrence again', async () => {
    const start = Date.parse('2024-06-03T12:00:00Z');
    const clock = new FakeClock(start);
    h = openApp({ 'tick.yaml': hourly(1) }, { clock });
    // The clock is persisted about once a second: at 12:59:59.5 it is written, then the 13:00 run starts.
    await clock.advance(3_600_000 - 500);
    expect(h.app.engine.store.getClock() * 1000).toBeLessThan(start + 3_600_000);
    await clock.advance(500);
    writeFileSync(join(h.dir, 'tick.yaml'), hourly(2));
    expect(h.app.reload(false).changed).toEqual(['tick']);
    await settle();
    const runs = [...h.app.engine.runs.ofJob('tick')];
    const started = runs
      .filter((r) => !r.expected)
      .map((r) => new Date(r.times['schedule'] ?? 0).toISOString());
    expect(started).toEqual(['2024-06-03T12:00:00.000Z', '2024-06-03T13:00:00.000Z']);
    // 14:00 up to (not including) 13:00 tomorrow, the end of the horizon.
    expect(runs.filter((r) => r.expected).map(durationOf)).toEqual(Array(23).fill(2));
    expect(Math.min(...runs.filter((r) => r.expected).map((r) => r.times['schedule'] ?? 0))).toBe(
      start + 7_200_000,
    );
  });

  it('an added job runs its occurrences since the persisted clock', async () => {
    const start = Date.parse('2024-06-03T12:59:59.500Z');
    const clock = new FakeClock(start);
    h = openApp({ 'other.yaml': 'program: {type: no-op}\n' }, { clock });
    await clock.advance(700); // 13:00:00.200; the clock was last written at 12:59:59.5
    writeFileSync(join(h.dir, 'tick.yaml'), hourly(1));
    expect(h.app.reload(false).added).toEqual(['tick']);
    await settle();
    const started = [...h.app.engine.runs.ofJob('tick')].filter((r) => !r.expected);
    expect(started.map((r) => r.times['schedule'])).toEqual([Date.parse('2024-06-03T13:00:00Z')]);
  });
});
